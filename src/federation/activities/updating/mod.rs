//! Profile updates: `Update(Group)`.

pub mod update_group;
