-- The words of the Nexmark auctions' item names, with TypeScript functions (examples/sql/udfs.ts):
-- a table function splits each name into words, joined to its auction with LATERAL TABLE, and an
-- aggregate function keeps the longest name that uses each word. 1,000 events: 60 auctions.
--
--   npx weir sql -f examples/sql/auction-words.sql

CREATE TABLE events (
    event_type INT,
    auction ROW<id BIGINT, itemName VARCHAR>
) WITH (
    'connector' = 'nexmark',
    'events.num' = '1000'
);

CREATE TEMPORARY FUNCTION split_words AS './udfs.ts#splitWords';
CREATE TEMPORARY FUNCTION longest AS './udfs.ts#longest';

SELECT word, COUNT(*) AS auctions, longest(auction.itemName) AS longestName
FROM events, LATERAL TABLE(split_words(auction.itemName))
WHERE event_type = 1
GROUP BY word;
