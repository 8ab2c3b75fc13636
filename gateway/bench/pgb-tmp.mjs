import { PGlite } from '@electric-sql/pglite';
const mode = process.argv[2];
const db = new PGlite();
const type = mode === 'text' ? 'text' : 'json';
await db.exec(`create table t (id serial primary key, answers ${type})`);
await db.exec(`alter table t alter column answers set storage external`);
const n = 1000;
const predicted = [], scores = [], index = [];
for (let i = 0; i < n; i++) { index.push(i); predicted.push(['setosa','versicolor','virginica'][i%3]); const a = Math.fround(Math.random()), b = Math.fround(Math.random()*(1-a)); scores.push([a,b,Math.fround(1-a-b)]); }
const answers = JSON.stringify({ index, predicted, classes: ['setosa','versicolor','virginica'], scores });
const batch = `[${Array.from({length: 20}, () => `{"answers":${answers}}`).join(',')}]`;
// warm
await db.query(`insert into t (answers) select answers from json_to_recordset($1::json) as r(answers ${type})`, [batch]);
const t0 = process.cpuUsage(); const w0 = Date.now();
for (let b = 0; b < 50; b++) {
  await db.query(`insert into t (answers) select answers from json_to_recordset($1::json) as r(answers ${type})`, [batch]);
}
const c = process.cpuUsage(t0);
console.log(mode, 'wall', Date.now() - w0, 'cpu', Math.round((c.user + c.system) / 1000));
if (mode === 'scan') {}
{
const t0 = process.cpuUsage();
for (let b = 0; b < 50; b++) await db.query(`select count(*) from json_to_recordset($1::json) as r(answers ${type})`, [batch]);
const c = process.cpuUsage(t0);
console.log(mode, 'parse only cpu', Math.round((c.user + c.system) / 1000));
const t1 = process.cpuUsage();
for (let b = 0; b < 50; b++) await db.query(`select length($1::text)`, [batch]);
const c1 = process.cpuUsage(t1);
console.log(mode, 'send only cpu', Math.round((c1.user + c1.system) / 1000));
}
