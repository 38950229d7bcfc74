-- Papers are shared by every guild and month; rankings and summaries point at them.
CREATE TABLE papers (
    arxiv_id    TEXT PRIMARY KEY,
    version     TEXT,
    title       TEXT NOT NULL,
    abstract    TEXT NOT NULL,
    authors     TEXT NOT NULL DEFAULT '[]',
    categories  TEXT NOT NULL DEFAULT '[]',
    published   TEXT,
    updated     TEXT,
    source      TEXT NOT NULL CHECK (source IN ('arxiv', 'huggingface')),
    fetched_at  TEXT NOT NULL
);

CREATE TABLE rankings (
    id          INTEGER PRIMARY KEY,
    month       TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('monthly', 'trending', 'manual')),
    source      TEXT NOT NULL,
    fetched_at  TEXT NOT NULL,
    UNIQUE (month, kind)
);

CREATE TABLE ranking_entries (
    ranking_id  INTEGER NOT NULL REFERENCES rankings (id) ON DELETE CASCADE,
    rank        INTEGER NOT NULL CHECK (rank >= 1),
    arxiv_id    TEXT NOT NULL REFERENCES papers (arxiv_id),
    upvotes     INTEGER,
    PRIMARY KEY (ranking_id, rank),
    UNIQUE (ranking_id, arxiv_id)
);

CREATE TABLE summaries (
    arxiv_id        TEXT NOT NULL REFERENCES papers (arxiv_id),
    language        TEXT NOT NULL,
    prompt_version  TEXT NOT NULL,
    body            TEXT NOT NULL,
    model           TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, language, prompt_version)
);

CREATE TABLE llm_usage (
    id                 INTEGER PRIMARY KEY,
    at                 TEXT NOT NULL,
    purpose            TEXT NOT NULL,
    model              TEXT NOT NULL,
    guild_id           INTEGER,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL
);

CREATE INDEX llm_usage_guild ON llm_usage (guild_id, at);
