-- The configuration's version: one row, bumped by every `config apply`. Workers keep the configuration in
-- memory and reload it when this number moves.
CREATE TABLE "ConfigVersion" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "ConfigVersion_pkey" PRIMARY KEY ("id")
);

INSERT INTO "ConfigVersion" ("id", "version") VALUES (1, 0);
