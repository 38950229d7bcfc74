-- Each paper version's full text, fetched once: the parsed document (`body`, with its section
-- labels and the authors it names), or why there is none (`detail`). A fallback to the abstract
-- after a passing failure (`permanent` 0) is tried again later.
CREATE TABLE fulltexts (
    arxiv_id    TEXT NOT NULL REFERENCES papers (arxiv_id),
    version     TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('html', 'pdf', 'abstract')),
    url         TEXT,
    body        TEXT,
    detail      TEXT NOT NULL DEFAULT '',
    permanent   INTEGER NOT NULL DEFAULT 1,
    sections    TEXT NOT NULL DEFAULT '[]',
    authors     TEXT NOT NULL DEFAULT '[]',
    fetched_at  TEXT NOT NULL,
    PRIMARY KEY (arxiv_id, version)
);

-- The passages /ask retrieves: a few paragraphs of one section, or one caption, in order.
CREATE TABLE chunks (
    id        INTEGER PRIMARY KEY,
    arxiv_id  TEXT NOT NULL,
    version   TEXT NOT NULL,
    ord       INTEGER NOT NULL,
    anchor    TEXT NOT NULL,
    cite      TEXT NOT NULL,
    label     TEXT NOT NULL,
    body      TEXT NOT NULL,
    tokens    INTEGER NOT NULL,
    FOREIGN KEY (arxiv_id, version) REFERENCES fulltexts (arxiv_id, version) ON DELETE CASCADE,
    UNIQUE (arxiv_id, version, ord)
);

-- rowid = chunks.id; body holds search tokens (bot.store.search_text), not the text itself.
CREATE VIRTUAL TABLE chunk_search USING fts5 (arxiv_id UNINDEXED, body);

-- Embeddings of chunks, made once at ingestion per embedding model; float32, little-endian.
CREATE TABLE chunk_vectors (
    chunk_id  INTEGER NOT NULL REFERENCES chunks (id) ON DELETE CASCADE,
    model     TEXT NOT NULL,
    vector    BLOB NOT NULL,
    PRIMARY KEY (chunk_id, model)
);

-- What a summary was written from: the abstract alone is rewritten once a full text arrives.
ALTER TABLE summaries ADD COLUMN basis TEXT NOT NULL DEFAULT 'abstract'
    CHECK (basis IN ('abstract', 'html', 'pdf'));
