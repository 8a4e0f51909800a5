// scratch: node q.mjs "SQL"
import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:', { threads: process.env.T || '2' });
const con = await inst.connect();
const r = await con.runAndReadAll(process.argv[2]);
console.table(r.getRowObjectsJS().slice(0, 60));
