import { describe, expect, it } from 'vitest';
import { QueryTemplate, slot } from '../../src/db/query-template.ts';
import { databases, type TestDatabase, useEmptyDatabase } from '../support/databases.ts';

describe.each(databases)('QueryTemplate on $name', (factory) => {
  let t: TestDatabase;
  useEmptyDatabase(factory, (ready) => {
    t = ready;
  });

  it('runs one compiled query with other values each time, the SQL text unchanged', async () => {
    const insert = new QueryTemplate(
      t.db.insertInto('courses').values({ id: slot('id'), title: slot('title'), created_at: '2030-01-01T00:00:00.000Z' }).compile(),
      ['id', 'title'],
    );
    const first = insert.bind({ id: 'a', title: 'A' });
    const second = insert.bind({ id: 'b', title: 'B' });
    expect(second.sql).toBe(first.sql);
    await t.db.executeQuery(first);
    await t.db.executeQuery(second);
    const byId = new QueryTemplate(t.db.selectFrom('courses').select(['id', 'title']).where('id', '=', slot('id')).compile(), ['id']);
    expect((await t.db.executeQuery(byId.bind({ id: 'b' }))).rows).toEqual([{ id: 'b', title: 'B' }]);
    // Values that are not slots stay as compiled.
    expect(first.parameters).toContain('2030-01-01T00:00:00.000Z');
  });

  it('refuses slots that are missing, unexpected or left without a value', () => {
    const compiled = t.db.selectFrom('courses').selectAll().where('id', '=', slot('id')).compile();
    expect(() => new QueryTemplate(compiled, ['id', 'title'])).toThrow(/missing.*title/);
    expect(() => new QueryTemplate(compiled, [])).toThrow(/unexpected.*id/);
    expect(() => new QueryTemplate(compiled, ['id']).bind({})).toThrow("no value for slot 'id'");
  });
});
