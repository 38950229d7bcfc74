-- The pickup meetup: one row per guild and ranking month once its pickup is decided (the
-- announcement, its thread, the presenter, when and where, the Discord event), the presenter
-- outlines (written once per paper and language), the schedule's meetup rule, and scheduled
-- runs that now include the meetup reminders.
CREATE TABLE meetups (
    guild_id          INTEGER NOT NULL,
    month             TEXT NOT NULL,
    arxiv_id          TEXT NOT NULL REFERENCES papers (arxiv_id),
    channel_id        INTEGER,
    announcement_id   INTEGER,
    thread_id         INTEGER,
    presenter_id      INTEGER,
    presenter_name    TEXT,
    starts_at         TEXT,
    minutes           INTEGER NOT NULL DEFAULT 120 CHECK (minutes BETWEEN 15 AND 1440),
    location          TEXT CHECK (location IS NULL OR length(location) BETWEEN 1 AND 100),
    voice_channel_id  INTEGER,
    event_id          INTEGER,
    -- When starts_at was last set: reminders due before then are not sent.
    timed_at          TEXT,
    updated_at        TEXT NOT NULL,
    PRIMARY KEY (guild_id, month),
    CHECK (location IS NULL OR voice_channel_id IS NULL)
);

CREATE TABLE outlines (
    arxiv_id    TEXT NOT NULL REFERENCES papers (arxiv_id),
    language    TEXT NOT NULL CHECK (language IN ('ja', 'en')),
    basis       TEXT NOT NULL CHECK (basis IN ('abstract', 'html', 'pdf')),
    body        TEXT NOT NULL,
    model       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, language)
);

-- The meetup day of a schedule: the nth weekday (week 1-4, or -1 for the last; weekday 0 is
-- Monday) at a local time, in a place.
ALTER TABLE schedules ADD COLUMN meetup_week INTEGER CHECK (meetup_week IN (-1, 1, 2, 3, 4));
ALTER TABLE schedules ADD COLUMN meetup_weekday INTEGER CHECK (meetup_weekday BETWEEN 0 AND 6);
ALTER TABLE schedules ADD COLUMN meetup_at TEXT;
ALTER TABLE schedules ADD COLUMN meetup_location TEXT
    CHECK (meetup_location IS NULL OR length(meetup_location) BETWEEN 1 AND 100);
ALTER TABLE schedules ADD COLUMN meetup_channel_id INTEGER;

-- A CHECK cannot be altered: schedule_runs is rebuilt to admit the meetup reminders.
CREATE TABLE schedule_runs_new (
    guild_id  INTEGER NOT NULL,
    month     TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('post', 'remind', 'close', 'meetup-week',
                                              'meetup-day', 'meetup-hour')),
    due_at    TEXT NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'missed')),
    attempts  INTEGER NOT NULL DEFAULT 0,
    detail    TEXT NOT NULL DEFAULT '',
    ran_at    TEXT NOT NULL,
    PRIMARY KEY (guild_id, month, action)
);
INSERT INTO schedule_runs_new (guild_id, month, action, due_at, status, attempts, detail, ran_at)
    SELECT guild_id, month, action, due_at, status, attempts, detail, ran_at FROM schedule_runs;
DROP TABLE schedule_runs;
ALTER TABLE schedule_runs_new RENAME TO schedule_runs;
