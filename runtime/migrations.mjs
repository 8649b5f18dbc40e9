// D1 migrations for the local runtime: applied once per database, each recorded in the database's
// d1_migrations table, where wrangler records them.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { emit } from "./protocol.mjs";

// Splits a SQL file into statements: semicolons inside quotes, comments and trigger bodies do not count.
export function splitSql(sql) {
  const statements = [];
  let current = "";
  let depth = 0; // BEGIN ... END nesting inside CREATE TRIGGER
  let i = 0;
  const flush = () => {
    const text = current.trim();
    if (text) statements.push(text);
    current = "";
  };
  while (i < sql.length) {
    const ch = sql[i];
    const two = sql.slice(i, i + 2);
    if (two === "--") {
      const end = sql.indexOf("\n", i);
      i = end === -1 ? sql.length : end + 1;
      current += "\n";
      continue;
    }
    if (two === "/*") {
      const end = sql.indexOf("*/", i + 2);
      i = end === -1 ? sql.length : end + 2;
      current += " ";
      continue;
    }
    if (ch === "'" || ch === '"' || ch === "`" || ch === "[") {
      const close = ch === "[" ? "]" : ch;
      let j = i + 1;
      while (j < sql.length) {
        if (sql[j] === close) {
          if (sql[j + 1] === close && close !== "]") j += 2;
          else break;
        } else j++;
      }
      current += sql.slice(i, j + 1);
      i = j + 1;
      continue;
    }
    if (/[A-Za-z_]/.test(ch)) {
      let j = i;
      while (j < sql.length && /[A-Za-z0-9_]/.test(sql[j])) j++;
      const word = sql.slice(i, j).toUpperCase();
      if (/^\s*CREATE\s+(TEMP\s+|TEMPORARY\s+)?TRIGGER\b/i.test(current + word)) {
        if (word === "BEGIN" || word === "CASE") depth++;
        else if (word === "END" && depth > 0) depth--;
      }
      current += sql.slice(i, j);
      i = j;
      continue;
    }
    if (ch === ";" && depth === 0) {
      flush();
      i++;
      continue;
    }
    current += ch;
    i++;
  }
  flush();
  return statements;
}

export async function applyMigrations(mf, manifest, manifestDir) {
  for (const migration of manifest.migrations ?? []) {
    const dir = path.resolve(manifestDir, migration.dir);
    const owner = (manifest.workers ?? []).find((worker) =>
      (worker.bindings ?? []).some((b) => b.kind === "d1" && b.database_name === migration.database_name),
    );
    if (!owner) throw new Error(`migrations for ${migration.database_name}: no worker binds that database`);
    const binding = owner.bindings.find((b) => b.kind === "d1" && b.database_name === migration.database_name);
    const db = await mf.getD1Database(binding.name, owner.block);
    await db
      .prepare(
        "CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, " +
          "applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)",
      )
      .run();
    const done = new Set((await db.prepare("SELECT name FROM d1_migrations").all()).results.map((r) => r.name));
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".sql")).sort() : [];
    const applied = [];
    for (const file of files) {
      if (done.has(file)) continue;
      const statements = splitSql(readFileSync(path.join(dir, file), "utf8")).map((sql) => db.prepare(sql));
      statements.push(db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(file));
      try {
        await db.batch(statements); // one transaction: a failed migration leaves no half-applied schema
      } catch (error) {
        throw new Error(`migration ${file} for database ${migration.database_name} failed: ${error.message}`);
      }
      applied.push(file);
    }
    emit({ event: "migrations", database: migration.database_name, applied, total: files.length });
  }
}
