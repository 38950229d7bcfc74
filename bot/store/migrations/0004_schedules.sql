-- Each guild's monthly schedule, and a record of every scheduled run so each happens once.
CREATE TABLE schedules (
    guild_id        INTEGER PRIMARY KEY,
    day             INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
    at              TEXT NOT NULL,
    vote_days       INTEGER NOT NULL CHECK (vote_days BETWEEN 1 AND 28),
    reminder_hours  INTEGER NOT NULL CHECK (reminder_hours BETWEEN 0 AND 672),
    kind            TEXT NOT NULL CHECK (kind IN ('monthly', 'trending')),
    size            INTEGER NOT NULL CHECK (size BETWEEN 1 AND 24),
    updated_at      TEXT NOT NULL
);

CREATE TABLE schedule_runs (
    guild_id  INTEGER NOT NULL,
    month     TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('post', 'remind', 'close')),
    due_at    TEXT NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'missed')),
    attempts  INTEGER NOT NULL DEFAULT 0,
    detail    TEXT NOT NULL DEFAULT '',
    ran_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, month, action)
);
