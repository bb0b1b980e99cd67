-- The article's streaming SQL example: each user's sessions of clicks, where a session ends after
-- a minute without clicks. The clicks are the bids of the Nexmark generator: 2,000 events at
-- 10 events/s of event time, so about 200 seconds of activity.
--
--   npx weir sql -f examples/sql/user-sessions.sql

CREATE TABLE events (
    event_type INT,
    person ROW<dateTime TIMESTAMP(3)>,
    auction ROW<dateTime TIMESTAMP(3)>,
    bid ROW<bidder BIGINT, url VARCHAR, dateTime TIMESTAMP(3)>,
    -- Every event has a time: the event time of the table's rows, persons and auctions included.
    rowtime AS CASE WHEN event_type = 0 THEN person.dateTime
                    WHEN event_type = 1 THEN auction.dateTime
                    ELSE bid.dateTime END,
    WATERMARK FOR rowtime AS rowtime - INTERVAL '4' SECOND
) WITH (
    'connector' = 'nexmark',
    'events.num' = '2000',
    'first-event.rate' = '10'
);

CREATE VIEW user_clicks AS
SELECT bid.bidder AS userId, bid.url AS url, rowtime
FROM events
WHERE event_type = 2;

SELECT userId,
       SESSION_START(rowtime, INTERVAL '1' MINUTE) as sessionStart,
       SESSION_END(rowtime, INTERVAL '1' MINUTE) as sessionEnd,
       COUNT(*) as clickCount
FROM user_clicks
GROUP BY userId, SESSION(rowtime, INTERVAL '1' MINUTE);
