import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestamp, parseTimestampText } from '../../../core/sql-datetime.ts';
import { addMonths, compileDateFormat, extractField, floorTimestamp, formatWith } from './sql-time.ts';

test('calendar arithmetic agrees with the JavaScript Date in UTC, before and after 1970', () => {
  const format = compileDateFormat('yyyy-MM-dd HH:mm:ss.SSS EEE D');
  let x = 987654321;
  for (let i = 0; i < 20_000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const ms = Math.floor((x / 4294967296 - 0.3) * 2e13); // about 1336 to 2603
    const d = new Date(ms);
    const iso = d.toISOString();
    const text = `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
    assert.equal(formatTimestamp(ms, 3), text);
    assert.equal(parseTimestampText(text), ms);
    assert.equal(extractField('DAYOFWEEK', ms), d.getUTCDay() + 1);
    assert.equal(extractField('MONTH', ms), d.getUTCMonth() + 1);
    const day = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'][d.getUTCDay()];
    const jan1 = Date.UTC(d.getUTCFullYear(), 0, 1);
    const doy =
      Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - jan1) / 86_400_000) + 1;
    assert.equal(formatWith(format, ms), `${text} ${day} ${doy}`);
    assert.equal(floorTimestamp(ms, 'MONTH'), Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
    // 13 months later, the day clamped to the end of the month.
    const target = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 13, 1));
    const last = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
    assert.equal(
      addMonths(ms, 13),
      Date.UTC(
        target.getUTCFullYear(),
        target.getUTCMonth(),
        Math.min(d.getUTCDate(), last),
        d.getUTCHours(),
        d.getUTCMinutes(),
        d.getUTCSeconds(),
        d.getUTCMilliseconds(),
      ),
    );
  }
});
