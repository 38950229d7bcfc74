-- A guild's own list: rankings gain `guild_id`, 0 for the rankings every guild shares (from
-- Hugging Face, or the command line's --ids). SQLite cannot change a UNIQUE constraint in
-- place, so both tables are rebuilt; entries first, since dropping `rankings` would cascade.
CREATE TABLE rankings_new (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL DEFAULT 0,
    month       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('monthly', 'trending', 'manual')),
    source      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    set_by      TEXT,
    UNIQUE (guild_id, month, kind),
    CHECK (guild_id = 0 OR kind = 'manual')
);
INSERT INTO rankings_new (id, month, kind, source, fetched_at)
    SELECT id, month, kind, source, fetched_at FROM rankings;

CREATE TABLE ranking_entries_new (
    ranking_id  INTEGER NOT NULL REFERENCES rankings_new (id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL CHECK (rank >= 1),
    arxiv_id    TEXT NOT NULL REFERENCES papers (arxiv_id),
    upvotes     INTEGER,
    PRIMARY KEY (ranking_id, rank),
    UNIQUE (ranking_id, arxiv_id)
);
INSERT INTO ranking_entries_new SELECT ranking_id, rank, arxiv_id, upvotes FROM ranking_entries;

DROP TABLE ranking_entries;
DROP TABLE rankings;
ALTER TABLE rankings_new RENAME TO rankings;
ALTER TABLE ranking_entries_new RENAME TO ranking_entries;

-- An organizer's correction of a paper's five notes, per guild and language. It is kept apart
-- from `summaries`, so writing the summary again (a new prompt, the full text) never undoes it.
CREATE TABLE summary_edits (
    guild_id      INTEGER NOT NULL,
    arxiv_id      TEXT NOT NULL REFERENCES papers (arxiv_id),
    language      TEXT NOT NULL,
    body          TEXT NOT NULL,
    editor_id     INTEGER NOT NULL,
    editor_name   TEXT NOT NULL,
    edited_at     TEXT NOT NULL,
    PRIMARY KEY (guild_id, arxiv_id, language)
);

-- A schedule may post the guild's own list: the CHECK on `kind` is widened by a rebuild.
CREATE TABLE schedules_new (
    guild_id           INTEGER PRIMARY KEY,
    day                INTEGER NOT NULL CHECK (day BETWEEN 1 AND 31),
    at                 TEXT NOT NULL,
    vote_days          INTEGER NOT NULL CHECK (vote_days BETWEEN 1 AND 28),
    reminder_hours     INTEGER NOT NULL CHECK (reminder_hours BETWEEN 0 AND 672),
    kind               TEXT NOT NULL CHECK (kind IN ('monthly', 'trending', 'manual')),
    size               INTEGER NOT NULL CHECK (size BETWEEN 1 AND 24),
    updated_at         TEXT NOT NULL,
    meetup_week        INTEGER CHECK (meetup_week IN (-1, 1, 2, 3, 4)),
    meetup_weekday     INTEGER CHECK (meetup_weekday BETWEEN 0 AND 6),
    meetup_at          TEXT,
    meetup_location    TEXT
        CHECK (meetup_location IS NULL OR length(meetup_location) BETWEEN 1 AND 100),
    meetup_channel_id  INTEGER
);
INSERT INTO schedules_new SELECT guild_id, day, at, vote_days, reminder_hours, kind, size,
    updated_at, meetup_week, meetup_weekday, meetup_at, meetup_location, meetup_channel_id
    FROM schedules;
DROP TABLE schedules;
ALTER TABLE schedules_new RENAME TO schedules;
