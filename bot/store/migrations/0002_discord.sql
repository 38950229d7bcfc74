-- What the Discord side keeps: per-guild settings, ranking posts, command-sync hashes, answers,
-- and a full-text index over each paper's text and summaries for /ask routing.
CREATE TABLE guilds (
    guild_id           INTEGER PRIMARY KEY,
    channel_id         INTEGER,
    language           TEXT NOT NULL DEFAULT 'ja' CHECK (language IN ('ja', 'en')),
    timezone           TEXT NOT NULL DEFAULT 'Asia/Tokyo',
    organizer_role_id  INTEGER,
    updated_at         TEXT NOT NULL
);

-- A row claims the month's post before it is sent (message_id NULL until it is), so a
-- scheduled run and an organizer's /post-ranking cannot both post.
CREATE TABLE ranking_posts (
    guild_id    INTEGER NOT NULL,
    month       TEXT NOT NULL,
    kind        TEXT,
    channel_id  INTEGER,
    message_id  INTEGER,
    claimed_at  TEXT NOT NULL,
    posted_at   TEXT,
    PRIMARY KEY (guild_id, month)
);

CREATE TABLE command_syncs (
    scope      TEXT PRIMARY KEY,
    hash       TEXT NOT NULL,
    synced_at  TEXT NOT NULL
);

CREATE TABLE answers (
    arxiv_id        TEXT NOT NULL REFERENCES papers (arxiv_id),
    question_key    TEXT NOT NULL,
    prompt_version  TEXT NOT NULL,
    answer          TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, question_key, prompt_version)
);

CREATE VIRTUAL TABLE paper_search USING fts5 (arxiv_id UNINDEXED, body);
