DROP INDEX follows_follower_idx;
DROP TABLE home_feed;
DROP TABLE notifications;
DROP TABLE acknowledgements;
DROP TABLE announcement_attachments;
DROP TABLE announcements;
DROP TABLE announcement_categories;
DROP TABLE files;
