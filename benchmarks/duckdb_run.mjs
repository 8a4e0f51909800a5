// DuckDB peers for `make bench`, through @duckdb/node-api (installed by run.sh into
// benchmarks/node_modules).
//
//   node duckdb_run.mjs groupby SCHEME LOG          plain GROUP BY unit_id with a catalog join
//   node duckdb_run.mjs spec    SCHEME LOG OUTDIR   the whole specification in SQL (spec.sql):
//                                                   OUTDIR/payouts.csv and OUTDIR/accounting.json
//
// Design: the scheme's JSON is turned into small cfg_* tables here (JSON is not what is
// being measured, and the arithmetic stays in SQL); decimals are passed to SQL as their
// text.  The scheme should write decimals as JSON strings, as the spec prefers: a JSON
// number is passed as JavaScript's shortest text of the double it parsed to, which is
// the written value for up to 15 significant digits (every value the spec allows).
// DuckDB uses its default thread count (all cores) and memory limit (80 % of RAM) unless
// DUCKDB_THREADS is set.
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const [mode, schemePath, logPath, outDir] = process.argv.slice(2);
if (!['groupby', 'spec'].includes(mode) || !schemePath || !logPath || (mode === 'spec' && !outDir)) {
  console.error('usage: node duckdb_run.mjs groupby SCHEME LOG | spec SCHEME LOG OUTDIR');
  process.exit(2);
}

const lit = (v) => (v === null || v === undefined ? 'NULL' : `'${String(v).replace(/'/g, "''")}'`);
function decText(v, what) {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && !/[eE]/.test(String(v))) return String(v);
  throw new Error(`${what}: ${JSON.stringify(v)} is not a decimal`);
}

const scheme = JSON.parse(fs.readFileSync(schemePath, 'utf8'));
const base = path.dirname(path.resolve(schemePath));
const rel = (p) => path.resolve(base, p);

function configSql() {
  const q = scheme.quality || null;
  const inds = (q && q.indicators) || [];
  const checks = scheme.checks || {};
  const out = [];
  out.push(`CREATE OR REPLACE TEMP TABLE cfg_scheme AS SELECT
    DATE ${lit(scheme.period.from)} AS period_from, DATE ${lit(scheme.period.to)} AS period_to,
    ${inds.length > 0} AS has_quality,
    CAST(${lit(q ? decText(q.floor, 'quality.floor') : null)} AS VARCHAR) AS q_floor,
    CAST(${lit(q ? decText(q.full_at, 'quality.full_at') : null)} AS VARCHAR) AS q_full_at,
    CAST(${lit((q && q.missing) || 'error')} AS VARCHAR) AS q_missing,
    CAST(${checks.staff_day_minutes ?? 'NULL'} AS BIGINT) AS staff_day_minutes,
    CAST(${lit(checks.staff_overload || 'review')} AS VARCHAR) AS staff_policy;`);
  const table = (name, cols, rows) => {
    out.push(`CREATE OR REPLACE TEMP TABLE ${name} (${cols});`);
    if (rows.length) out.push(`INSERT INTO ${name} VALUES ${rows.map((r) => `(${r.join(', ')})`).join(', ')};`);
  };
  table('cfg_indicator', 'ind_ord INTEGER, ind_id VARCHAR, weight BIGINT, target VARCHAR, better VARCHAR',
    inds.map((k, i) => [i, lit(k.id), Number(k.weight), lit(decText(k.target, 'target')), lit(k.better || 'higher')]));
  table('cfg_adjustment', 'tag VARCHAR, factor VARCHAR',
    (scheme.adjustments || []).map((a) => [lit(a.tag), lit(decText(a.factor, 'factor'))]));
  const pools = scheme.pools || [];
  // a budget is an amount, or {"per_capita": rate}: B = rate x the population of the units in scope
  const perCapita = (b) => (b !== null && typeof b === 'object' && !Array.isArray(b) ? b.per_capita : undefined);
  table('cfg_pool', 'pool_ord INTEGER, pool_id VARCHAR, pool_name VARCHAR, budget VARCHAR, per_capita VARCHAR, scope_all BOOLEAN',
    pools.map((p, i) => {
      const pc = perCapita(p.budget);
      return [i, lit(p.id), lit(p.name), lit(pc === undefined ? decText(p.budget, 'budget') : null),
        lit(pc === undefined ? null : decText(pc, 'budget per_capita')), p.scope === 'all'];
    }));
  table('cfg_pool_category', 'pool_id VARCHAR, category VARCHAR',
    pools.flatMap((p) => (p.categories || []).map((c) => [lit(p.id), lit(c)])));
  table('cfg_pool_item', 'pool_id VARCHAR, pattern VARCHAR',
    pools.flatMap((p) => (p.items || []).map((c) => [lit(p.id), lit(c)])));
  table('cfg_pool_scope', 'pool_id VARCHAR, key VARCHAR, value VARCHAR',
    pools.flatMap((p) => (p.scope === 'all' ? [] : Object.entries(p.scope).flatMap(
      ([k, vs]) => vs.map((v) => [lit(p.id), lit(k), lit(v)])))));
  return out.join('\n');
}

// spill files (large inputs) go to benchmarks/data/, never into the working directory
const opts = { temp_directory: process.env.DUCKDB_TEMP || path.join(here, 'data', 'duckdb-tmp') };
if (process.env.DUCKDB_THREADS) opts.threads = process.env.DUCKDB_THREADS;
const instance = await DuckDBInstance.create(':memory:', opts);
const con = await instance.connect();

if (mode === 'groupby') {
  // What an analyst would type: DuckDB's own CSV reader (column types sniffed but the
  // quantity read as an integer, rows it cannot read skipped), the catalog joined by
  // code (the lowest equivalent of each), workload summed per unit.  The dialect is
  // given because the sniffer gives up on a log whose sample holds faulty rows.
  const r = await con.runAndReadAll(`
    CREATE TEMP TABLE cat AS
      SELECT item_code, min(CAST(equivalent AS DECIMAL(18, 4))) AS equivalent
      FROM read_csv(${lit(rel(scheme.catalog))}, header = true, all_varchar = true) GROUP BY item_code;
    SELECT l.unit_id, count(*) AS n, sum(l.quantity * c.equivalent) AS workload
    FROM read_csv(${lit(path.resolve(logPath))}, header = true, delim = ',', quote = '"', escape = '"',
                  strict_mode = false, ignore_errors = true, types = {'quantity': 'BIGINT'}) l
    JOIN cat c ON c.item_code = l.item_code
    GROUP BY l.unit_id;`);
  console.log(`duckdb groupby: ${r.currentRowCount} units`);
} else {
  fs.mkdirSync(outDir, { recursive: true });
  const sub = {
    LOG: lit(path.resolve(logPath)),
    CATALOG: lit(rel(scheme.catalog)),
    UNITS: lit(rel(scheme.units)),
    INDICATORS: scheme.indicators
      ? `read_csv(${lit(rel(scheme.indicators))}, header = true, all_varchar = true, delim = ',', quote = '"', escape = '"')`
      : `(SELECT NULL::VARCHAR AS unit_id, NULL::VARCHAR AS indicator, NULL::VARCHAR AS value WHERE false)`,
    OUT_PAYOUTS: lit(path.resolve(outDir, 'payouts.csv')),
  };
  const spec = fs.readFileSync(path.join(here, 'spec.sql'), 'utf8')
    .replace(/\{\{(\w+)\}\}/g, (m, k) => {
      if (!(k in sub)) throw new Error(`spec.sql: unknown placeholder ${m}`);
      return sub[k];
    });
  const t0 = process.hrtime.bigint();
  const r = await con.runAndReadAll(`${configSql()}\n${spec}`);
  const ms = Number((process.hrtime.bigint() - t0) / 1000000n);
  const acc = Object.fromEntries(Object.entries(r.getRowObjectsJS()[0]).map(([k, v]) => [k, Number(v)]));
  acc.elapsed_ms = ms;
  fs.writeFileSync(path.join(outDir, 'accounting.json'), `${JSON.stringify(acc, null, 1)}\n`);
  console.log(`duckdb spec: ${acc.rows_read} rows read, ${acc.rows_accepted} accepted, ${ms} ms`);
}
