#!/usr/bin/env node
// tests/agents/requests.js LOG [--protocol P] [--after N] [--has TEXT]...
//   [--not TEXT]... [--count | --last-n | --body]
// Queries the request log of model-server.js (one JSON object a line): the
// requests of protocol P numbered above N whose body holds every --has text
// and no --not text. Prints how many (--count, the default), the number of
// the last one (--last-n, 0 when none) or the last one's body (--body).
'use strict';
const fs = require('fs');
const a = process.argv.slice(2);
const log = a.shift();
const has = [], not = [];
let protocol = '', after = 0, mode = 'count';
while (a.length) {
	const k = a.shift();
	if (k === '--protocol') protocol = a.shift();
	else if (k === '--after') after = +a.shift();
	else if (k === '--has') has.push(a.shift());
	else if (k === '--not') not.push(a.shift());
	else if (k === '--count' || k === '--last-n' || k === '--body') mode = k.slice(2);
	else { console.error('requests.js: unknown argument ' + k); process.exit(2); }
}
let lines = [];
try { lines = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean); } catch (e) { /* none yet */ }
const hits = lines.map((l) => JSON.parse(l)).filter((r) => r.body !== undefined && r.n > after &&
	(!protocol || r.protocol === protocol) && has.every((t) => r.body.includes(t)) &&
	!not.some((t) => r.body.includes(t)));
const last = hits[hits.length - 1];
if (mode === 'count') console.log(hits.length);
else if (mode === 'last-n') console.log(last ? last.n : 0);
else if (last) process.stdout.write(last.body + '\n');
