-- The pickup vote: one state per guild and month, one ballot per member.
CREATE TABLE vote_states (
    guild_id     INTEGER NOT NULL,
    month        TEXT NOT NULL,
    status       TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    pickup       TEXT REFERENCES papers (arxiv_id),
    changed_at   TEXT NOT NULL,
    PRIMARY KEY (guild_id, month)
);

CREATE TABLE votes (
    guild_id     INTEGER NOT NULL,
    month        TEXT NOT NULL,
    member_id    INTEGER NOT NULL,
    member_name  TEXT NOT NULL,
    arxiv_id     TEXT NOT NULL REFERENCES papers (arxiv_id),
    voted_at     TEXT NOT NULL,
    PRIMARY KEY (guild_id, month, member_id),
    FOREIGN KEY (guild_id, month) REFERENCES vote_states (guild_id, month)
);

ALTER TABLE guilds ADD COLUMN tiebreak TEXT NOT NULL DEFAULT 'organizer'
    CHECK (tiebreak IN ('organizer', 'higher-rank'));
