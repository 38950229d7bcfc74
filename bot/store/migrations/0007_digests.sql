-- The weekly digest. A week's papers from Hugging Face (`week=YYYY-Www`), by upvotes, fetched
-- once; the papers themselves are shared with the monthly rankings.
CREATE TABLE digests (
    week        TEXT PRIMARY KEY,
    top         INTEGER NOT NULL CHECK (top >= 1),
    fetched_at  TEXT NOT NULL
);

CREATE TABLE digest_entries (
    week      TEXT NOT NULL REFERENCES digests (week) ON DELETE CASCADE,
    rank      INTEGER NOT NULL CHECK (rank >= 1),
    arxiv_id  TEXT NOT NULL REFERENCES papers (arxiv_id),
    upvotes   INTEGER,
    PRIMARY KEY (week, rank),
    UNIQUE (week, arxiv_id)
);

-- One paper's newsletter item, per language and prompt version; `basis` as for summaries: an
-- item written from the abstract alone is written again once the full text arrives.
CREATE TABLE digest_texts (
    arxiv_id        TEXT NOT NULL REFERENCES papers (arxiv_id),
    language        TEXT NOT NULL,
    prompt_version  TEXT NOT NULL,
    headline        TEXT NOT NULL,
    paragraph       TEXT NOT NULL,
    basis           TEXT NOT NULL CHECK (basis IN ('abstract', 'html', 'pdf')),
    model           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, language, prompt_version)
);

-- The week's three highlights, chosen among its items once every item is written.
CREATE TABLE digest_highlights (
    week            TEXT NOT NULL REFERENCES digests (week) ON DELETE CASCADE,
    language        TEXT NOT NULL,
    prompt_version  TEXT NOT NULL,
    position        INTEGER NOT NULL CHECK (position >= 1),
    arxiv_id        TEXT NOT NULL REFERENCES papers (arxiv_id),
    line            TEXT NOT NULL,
    PRIMARY KEY (week, language, prompt_version, position)
);

-- A row claims a guild's post of the week before it is sent (message_ids empty until it is),
-- so a scheduled run and an organizer's /digest cannot both post; `missing` counts what the
-- post still lacks (pending items, highlights not chosen yet), so a later run fills it in.
CREATE TABLE digest_posts (
    guild_id     INTEGER NOT NULL,
    week         TEXT NOT NULL,
    channel_id   INTEGER,
    message_ids  TEXT NOT NULL DEFAULT '[]',
    missing      INTEGER NOT NULL DEFAULT 0,
    claimed_at   TEXT NOT NULL,
    posted_at    TEXT,
    PRIMARY KEY (guild_id, week)
);

-- Each guild's weekly digest post: the weekday (0 is Monday) and local time it is posted on,
-- for the week before. Its runs are recorded in schedule_runs, with the week as `month`.
CREATE TABLE digest_schedules (
    guild_id    INTEGER PRIMARY KEY,
    weekday     INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
    at          TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);

-- A CHECK cannot be altered: schedule_runs is rebuilt to admit the digest's runs.
CREATE TABLE schedule_runs_new (
    guild_id  INTEGER NOT NULL,
    month     TEXT NOT NULL,
    action    TEXT NOT NULL CHECK (action IN ('post', 'remind', 'close', 'meetup-week',
                                              'meetup-day', 'meetup-hour', 'digest')),
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
