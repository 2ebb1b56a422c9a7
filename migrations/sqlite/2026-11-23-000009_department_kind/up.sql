-- "Every collège of a department": the department index alone reads the
-- department in name order and skips the other kinds one row at a time,
-- most of the department when the kind sorts last.
CREATE INDEX organisations_department_kind_idx
    ON organisations (department_code, kind, search_text, id);
