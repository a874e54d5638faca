#!/usr/bin/env node
// tests/agents/model-server.js: a scripted model endpoint for the real agent
// CLIs (tests/agents/e2e.sh, record.sh). It speaks the wire protocols the
// pinned CLIs use and plays an agent's brain from a scenario:
//
//   Anthropic Messages  POST /v1/messages (stream or not), /v1/messages/count_tokens  (Claude Code)
//   OpenAI Responses    POST /v1/responses (stream)                                   (Codex, wire_api = "responses")
//   Gemini API          POST /v1beta/models/<m>:generateContent | :streamGenerateContent (Gemini CLI)
//   OpenAI Chat         POST /v1/chat/completions (stream or not)                     (aider and other OpenAI-compatible CLIs)
//
// The brain reads the phase instructions devflow pasted (the newest user
// message holding "devflow phase: "), takes the artifact path, schema id,
// reviewer comment and validation errors from it (docs/instructions.md), and
// answers with the CLI's own tools: a file write (or a shell command where
// the CLI has no write tool) per step, then a final text.
//
// Usage: node model-server.js [--port N] [--log FILE] [--scenario JSON|FILE]
// Prints "port N" on standard output once it listens on 127.0.0.1 (N free
// when --port is 0 or absent). Every request is appended to --log as one
// JSON line {n, time, method, url, protocol, body}.
//
// Scenario: a JSON object mapping "<phase>#<attempt>", "<phase>" or "*" to a
// behaviour (the most specific key wins), plus options:
//   ok             write the artifact (implement: first a small code change)
//   invalid-then-ok  an invalid artifact, then a valid one once the repair
//                  prompt (Validation errors:) arrives
//   permission     first a shell command the CLI asks a person about, then ok
//   slow           hold each answer for "slowSeconds" (default 600) first
//   invalid-then-slow  an invalid artifact, then hold the answers to the
//                  repair prompt (a completed turn, then a busy agent: where a
//                  test kills the server to see the conversation resumed)
//   crash          kill the CLI (the process whose connection this is), once
//                  per run, phase and attempt, then ok
//   echo-comment   ok, with the reviewer comment quoted in the artifact's
//                  summary and the final text
// --scenario is JSON text or a file, read again on every request.
// Control: POST /_scenario {…} replaces the scenario (when none is a file);
// GET /_requests lists the requests so far; GET /_health answers "ok".
'use strict';
const fs = require('fs');
const http = require('http');
const path = require('path');

const args = process.argv.slice(2);
const opt = (name, def) => {
	const i = args.indexOf('--' + name);
	return i >= 0 && i + 1 < args.length ? args[i + 1] : def;
};
const logFile = opt('log', process.env.MODEL_LOG || '');
let scenario = {};
const scen = opt('scenario', process.env.MODEL_SCENARIO || '');
// A scenario file is read again on every request: a test rewrites it
// between steps. A missing or half-written file keeps the last one.
function loadScenario() {
	if (!scen) return;
	try {
		scenario = JSON.parse(scen.trim().startsWith('{') ? scen : fs.readFileSync(scen, 'utf8'));
	} catch (e) { /* keep the last */ }
}
loadScenario();
let nreq = 0;
const crashed = new Set();
const requests = [];

// --- the brain: protocol-neutral ------------------------------------------

// parseInstructions TEXT: the fields of devflow's phase instructions.
function parseInstructions(text) {
	const i = text.lastIndexOf('devflow phase: ');
	if (i < 0) return null;
	const t = text.slice(i);
	const line = (k) => {
		const m = t.match(new RegExp('^' + k + ': (.*)$', 'm'));
		return m ? m[1].trim() : '';
	};
	const section = (k) => {
		const m = t.match(new RegExp('^' + k + ':\\n([\\s\\S]*?)\\n\\n', 'm'));
		return m ? m[1] : '';
	};
	const head = t.match(/^devflow phase: (\S+)/);
	return {
		phase: head ? head[1] : '',
		run: line('Run'),
		attempt: +line('Attempt') || 1,
		path: line('Artifact path'),
		schema: line('Artifact schema'),
		comment: section('Reviewer comment'),
		errors: section('Validation errors'),
		requirements: section('Requirements'),
	};
}

function behaviour(ins) {
	const b = scenario[ins.phase + '#' + ins.attempt] || scenario[ins.phase] || scenario['*'] || 'ok';
	return b;
}

// The artifact for ins, valid or not.
function artifact(ins, valid, echo) {
	const title = (ins.requirements.match(/^#+ *(.*)$/m) || [, 'the change'])[1];
	const said = echo && ins.comment ? ' Reviewer said: ' + ins.comment.trim() : '';
	if (ins.schema === 'dev/phase-plan@1') {
		if (!valid) return { summary: 'Plan for ' + title, phases: 'implement, then review' };
		const ph = (key, title, role, p, schema, gates) => ({
			key, title, roles: [role], expectedArtifact: { path: p, schema }, gates,
		});
		return {
			summary: 'Plan for "' + title + '": implement it, then review the change.' + said,
			phases: [
				ph('implement', 'Implement the change', 'implementer', 'change-summary.json', 'dev/change-summary@1', []),
				ph('review', 'Review the change', 'reviewer', 'review.json', 'dev/review-findings@1', ['final_review']),
			],
		};
	}
	if (ins.schema === 'dev/change-summary@1') {
		if (!valid) return { summary: '', filesChanged: 'GREETING.md' };
		return {
			summary: title + ': wrote GREETING.md.' + said,
			filesChanged: ['GREETING.md'],
			commands: [{ kind: 'test', argv: ['test', '-s', 'GREETING.md'], exit_code: 0 }],
		};
	}
	if (ins.schema === 'dev/review-findings@1') {
		if (!valid) return { verdict: 'maybe', summary: 'unsure' };
		return { verdict: 'approve', summary: 'The change does what the plan says.' + said, findings: [] };
	}
	return valid ? { summary: 'done' + said } : { summary: 7 };
}

// decide CONV: what to answer. CONV = {instruction, steps, cwd} where steps
// counts the tool results since the newest instruction. Returns
// {kind:'write', path, content} | {kind:'shell', command} | {kind:'text', text}
// | {kind:'crash'} with .delay (ms) to hold the answer first.
function decide(conv) {
	const ins = conv.instruction;
	if (!ins) return { kind: 'text', text: 'ok' };
	const b = behaviour(ins);
	const slow = b === 'slow' || (b === 'invalid-then-slow' && ins.errors !== '');
	const delay = slow ? 1000 * (+scenario.slowSeconds || 600) : 0;
	const key = ins.run + ':' + ins.phase + '#' + ins.attempt;
	if (b === 'crash' && !crashed.has(key)) {
		crashed.add(key);
		return { kind: 'crash' };
	}
	const plan = [];
	if (b === 'permission')
		plan.push({ kind: 'shell', command: 'make test > permission-granted.txt' });
	if (ins.schema === 'dev/change-summary@1')
		plan.push({ kind: 'write', path: 'GREETING.md', content: 'Hello from the scripted model.\n' });
	const valid = !b.startsWith('invalid-then-') || ins.errors !== '';
	plan.push({ kind: 'write', path: ins.path, content: JSON.stringify(artifact(ins, valid, b === 'echo-comment'), null, 2) + '\n' });
	const said = b === 'echo-comment' && ins.comment ? ' The reviewer said: ' + ins.comment.trim() : '';
	plan.push({ kind: 'text', text: 'Wrote ' + ins.path + ' for phase ' + ins.phase + '.' + said });
	const step = plan[Math.min(conv.steps, plan.length - 1)];
	return { ...step, delay, behaviour: b };
}

const abs = (cwd, p) => (path.isAbsolute(p) || !cwd ? p : path.join(cwd, p));

// The working directory the CLI told its model (each puts it in its context).
function findCwd(text) {
	const pats = [
		/Primary working directory: (\/[^\s]+)/,
		/Working directory: (\/[^\s]+)/,
		/<cwd>(\/[^<]+)<\/cwd>/,
		/current working directory[^/]*?(\/[^\s'"`]+)/i,
		/I'm currently working in the directory: (\/[^\s]+)/,
	];
	for (const p of pats) {
		const m = text.match(p);
		if (m) return m[1].replace(/[.,]$/, '');
	}
	return '';
}

// --- crash: kill the process at the other end of a connection -------------

function peerPid(sock) {
	try {
		const port = sock.remotePort;
		const hex = port.toString(16).toUpperCase().padStart(4, '0');
		const lines = fs.readFileSync('/proc/net/tcp', 'utf8').split('\n').concat(
			fs.existsSync('/proc/net/tcp6') ? fs.readFileSync('/proc/net/tcp6', 'utf8').split('\n') : []);
		let inode = '';
		for (const l of lines) {
			const f = l.trim().split(/\s+/);
			if (f.length > 9 && f[1].endsWith(':' + hex) && f[2].endsWith(':' + sock.localPort.toString(16).toUpperCase().padStart(4, '0'))) inode = f[9];
		}
		if (!inode) return 0;
		for (const pid of fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
			let fds = [];
			try { fds = fs.readdirSync('/proc/' + pid + '/fd'); } catch (e) { continue; }
			for (const fd of fds) {
				try {
					if (fs.readlinkSync('/proc/' + pid + '/fd/' + fd) === 'socket:[' + inode + ']') return +pid;
				} catch (e) { /* gone */ }
			}
		}
	} catch (e) { /* no /proc */ }
	return 0;
}

// --- Anthropic Messages ----------------------------------------------------

function anthropicText(content) {
	if (typeof content === 'string') return content;
	return (content || []).map((b) => (b.type === 'text' ? b.text : b.type === 'tool_result' ? anthropicText(b.content) : '')).join('\n');
}

function anthropicConv(j) {
	const msgs = j.messages || [];
	let at = -1, ins = null;
	for (let i = msgs.length - 1; i >= 0 && at < 0; i--) {
		if (msgs[i].role !== 'user') continue;
		const blocks = typeof msgs[i].content === 'string' ? [{ type: 'text', text: msgs[i].content }] : msgs[i].content || [];
		const text = blocks.filter((b) => b.type === 'text').map((b) => b.text).join('\n');
		if (text.includes('devflow phase: ')) { at = i; ins = parseInstructions(text); }
	}
	let steps = 0;
	for (let i = at + 1; at >= 0 && i < msgs.length; i++)
		if (msgs[i].role === 'user' && Array.isArray(msgs[i].content))
			steps += msgs[i].content.filter((b) => b.type === 'tool_result').length;
	const sys = typeof j.system === 'string' ? j.system : (j.system || []).map((b) => b.text || '').join('\n');
	return { instruction: ins, steps, cwd: findCwd(sys + '\n' + msgs.map((m) => anthropicText(m.content)).join('\n')) };
}

function anthropic(req, res, j) {
	if (req.url.includes('count_tokens')) return json(res, { input_tokens: 100 });
	const tools = (j.tools || []).map((t) => t.name);
	const conv = anthropicConv(j);
	// Side requests (titles, summaries) carry no tools: a plain answer.
	const d = tools.includes('Write') ? decide(conv) : { kind: 'text', text: 'ok' };
	let content;
	if (d.kind === 'write')
		content = [{ type: 'tool_use', id: 'toolu_' + nreq, name: 'Write', input: { file_path: abs(conv.cwd, d.path), content: d.content } }];
	else if (d.kind === 'shell')
		content = [{ type: 'tool_use', id: 'toolu_' + nreq, name: 'Bash', input: { command: d.command, description: 'Run a command' } }];
	else content = [{ type: 'text', text: d.text || 'ok' }];
	const stop = content[0].type === 'tool_use' ? 'tool_use' : 'end_turn';
	const msg = (c, s) => ({ id: 'msg_' + nreq, type: 'message', role: 'assistant', model: j.model || 'claude', content: c, stop_reason: s, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 10 } });
	later(req, res, d, () => {
		if (!j.stream) return json(res, msg(content, stop));
		sse(res);
		const ev = (t, data) => res.write('event: ' + t + '\ndata: ' + JSON.stringify({ type: t, ...data }) + '\n\n');
		ev('message_start', { message: msg([], null) });
		content.forEach((b, index) => {
			if (b.type === 'tool_use') {
				ev('content_block_start', { index, content_block: { ...b, input: {} } });
				ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
			} else {
				ev('content_block_start', { index, content_block: { type: 'text', text: '' } });
				ev('content_block_delta', { index, delta: { type: 'text_delta', text: b.text } });
			}
			ev('content_block_stop', { index });
		});
		ev('message_delta', { delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 10 } });
		ev('message_stop', {});
		res.end();
	});
}

// --- OpenAI Responses (Codex) ---------------------------------------------

function responsesText(content) {
	if (typeof content === 'string') return content;
	return (content || []).map((c) => c.text || '').join('\n');
}

function responsesConv(j) {
	const items = j.input || [];
	let at = -1, ins = null;
	for (let i = items.length - 1; i >= 0 && at < 0; i--) {
		const it = items[i];
		if (it.type === 'message' && it.role === 'user' && responsesText(it.content).includes('devflow phase: ')) {
			at = i;
			ins = parseInstructions(responsesText(it.content));
		}
	}
	let steps = 0;
	for (let i = at + 1; at >= 0 && i < items.length; i++)
		if (/_call_output$/.test(items[i].type || '')) steps++;
	const all = (j.instructions || '') + '\n' + items.map((it) => responsesText(it.content)).join('\n');
	return { instruction: ins, steps, cwd: findCwd(all) };
}

// A shell command that writes CONTENT to P (a heredoc with a quoted marker).
const writeCommand = (p, content) => "cat > '" + p + "' <<'DEVFLOW_EOF'\n" + content + 'DEVFLOW_EOF';

function responses(req, res, j) {
	const tools = (j.tools || []).map((t) => t.name || t.type);
	const conv = responsesConv(j);
	// Side requests (titles, memories) carry no tools: a plain answer.
	const hasShell = tools.includes('exec_command') || tools.includes('shell');
	const d = hasShell ? decide(conv) : { kind: 'text', text: 'ok' };
	const shellTool = tools.includes('exec_command') ? 'exec_command' : 'shell';
	let item;
	const id = 'r' + nreq;
	if (d.kind === 'write' || d.kind === 'shell') {
		const cmd = d.kind === 'write' ? writeCommand(d.path, d.content) : d.command;
		const a = shellTool === 'exec_command' ? { cmd } : { command: ['bash', '-lc', cmd] };
		if (d.kind === 'shell') Object.assign(a, { sandbox_permissions: 'require_escalated', justification: 'Run a command outside the sandbox?' });
		item = { type: 'function_call', id: 'fc_' + id, call_id: 'call_' + id, name: shellTool, status: 'completed', arguments: JSON.stringify(a) };
	} else {
		item = { type: 'message', id: 'msg_' + id, role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: d.text || 'ok', annotations: [] }] };
	}
	later(req, res, d, () => {
		sse(res);
		const ev = (data) => res.write('event: ' + data.type + '\ndata: ' + JSON.stringify(data) + '\n\n');
		const resp = { id: 'resp_' + id, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'in_progress', model: j.model || 'gpt', output: [] };
		ev({ type: 'response.created', response: resp });
		ev({ type: 'response.output_item.added', output_index: 0, item });
		if (item.type === 'message')
			ev({ type: 'response.output_text.delta', item_id: item.id, output_index: 0, content_index: 0, delta: item.content[0].text });
		ev({ type: 'response.output_item.done', output_index: 0, item });
		ev({ type: 'response.completed', response: { ...resp, status: 'completed', output: [item], usage: { input_tokens: 100, input_tokens_details: { cached_tokens: 0 }, output_tokens: 10, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 110 } } });
		res.end();
	});
}

// --- Gemini API -------------------------------------------------------------

function geminiConv(j) {
	const cs = j.contents || [];
	let at = -1, ins = null;
	for (let i = cs.length - 1; i >= 0 && at < 0; i--) {
		const text = (cs[i].parts || []).map((p) => p.text || '').join('\n');
		if (cs[i].role === 'user' && text.includes('devflow phase: ')) { at = i; ins = parseInstructions(text); }
	}
	let steps = 0;
	for (let i = at + 1; at >= 0 && i < cs.length; i++) steps += (cs[i].parts || []).filter((p) => p.functionResponse).length;
	const sys = ((j.systemInstruction || {}).parts || []).map((p) => p.text || '').join('\n');
	return { instruction: ins, steps, cwd: findCwd(sys + '\n' + cs.map((c) => (c.parts || []).map((p) => p.text || '').join('\n')).join('\n')) };
}

function gemini(req, res, j) {
	const decls = [].concat(...(j.tools || []).map((t) => t.functionDeclarations || [])).map((f) => f.name);
	const usage = { promptTokenCount: 100, candidatesTokenCount: 10, totalTokenCount: 110 };
	const reply = (parts) => ({ candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }], usageMetadata: usage });
	const conv = geminiConv(j);
	// Routing and other side requests (no tools): a JSON-shaped answer when asked for JSON.
	let d;
	if (!decls.includes('write_file')) {
		const wantsJson = (j.generationConfig || {}).responseMimeType === 'application/json';
		d = { kind: 'text', text: wantsJson ? '{"reasoning": "simple task", "model_choice": "flash"}' : 'ok' };
	} else d = decide(conv);
	let parts;
	if (d.kind === 'write') parts = [{ functionCall: { name: 'write_file', args: { file_path: abs(conv.cwd, d.path), content: d.content } } }];
	else if (d.kind === 'shell') parts = [{ functionCall: { name: 'run_shell_command', args: { command: d.command, description: 'Run a command' } } }];
	else parts = [{ text: d.text || 'ok' }];
	later(req, res, d, () => {
		if (!req.url.includes('streamGenerateContent')) return json(res, reply(parts));
		sse(res);
		res.write('data: ' + JSON.stringify(reply(parts)) + '\r\n\r\n');
		res.end();
	});
}

// --- OpenAI Chat Completions (aider) ----------------------------------------

function chat(req, res, j) {
	const msgs = j.messages || [];
	const text = (m) => (typeof m.content === 'string' ? m.content : (m.content || []).map((c) => c.text || '').join('\n'));
	let ins = null, steps = 0;
	for (let i = msgs.length - 1; i >= 0; i--) {
		if (msgs[i].role === 'user' && text(msgs[i]).includes('devflow phase: ')) { ins = parseInstructions(text(msgs[i])); break; }
		if (msgs[i].role === 'assistant') steps++;
	}
	// aider edits files from SEARCH/REPLACE blocks in the answer (its "diff"
	// edit format; an empty SEARCH creates the file), offers to run fenced
	// shell commands, and calls no tools: all the brain's steps go in one
	// answer. Not run here (aider is not on npm).
	let body = '', d = { kind: 'text' };
	for (let i = 0; i < 10; i++) {
		d = decide({ instruction: ins, steps: steps > 0 ? 99 : i, cwd: '' });
		if (d.kind === 'write') body += d.path + '\n```\n<<<<<<< SEARCH\n=======\n' + d.content + '>>>>>>> REPLACE\n```\n\n';
		else if (d.kind === 'shell') body += '```bash\n' + d.command + '\n```\n\n'; // aider asks to run it
		else { body += d.text || 'ok'; break; }
	}
	later(req, res, d, () => {
		const base = { id: 'chat_' + nreq, created: Math.floor(Date.now() / 1000), model: j.model || 'gpt' };
		if (!j.stream)
			return json(res, { ...base, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: body }, finish_reason: 'stop' }], usage: { prompt_tokens: 100, completion_tokens: 10, total_tokens: 110 } });
		sse(res);
		res.write('data: ' + JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: { role: 'assistant', content: body }, finish_reason: null }] }) + '\n\n');
		res.write('data: ' + JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }) + '\n\n');
		res.write('data: [DONE]\n\n');
		res.end();
	});
}

// --- plumbing ---------------------------------------------------------------

function json(res, o, status) {
	res.writeHead(status || 200, { 'content-type': 'application/json' });
	res.end(JSON.stringify(o));
}
function sse(res) {
	res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
}
// later: answer after d.delay, or kill the CLI for a crash.
function later(req, res, d, answer) {
	if (d.kind === 'crash') {
		const pid = peerPid(req.socket);
		note({ crash: pid });
		if (pid > 0) try { process.kill(pid, 'SIGKILL'); } catch (e) { /* gone */ }
		return setTimeout(() => res.destroy(), 500);
	}
	if (d.delay > 0) {
		const t = setTimeout(answer, d.delay);
		res.on('close', () => clearTimeout(t));
		return;
	}
	answer();
}
function note(o) {
	const line = JSON.stringify({ n: nreq, time: new Date().toISOString(), ...o });
	if (logFile) fs.appendFileSync(logFile, line + '\n');
}

const server = http.createServer((req, res) => {
	let body = '';
	req.setEncoding('utf8');
	req.on('data', (c) => (body += c));
	req.on('end', () => {
		const n = ++nreq;
		let j = {};
		try { j = body ? JSON.parse(body) : {}; } catch (e) { /* logged raw */ }
		const url = req.url;
		loadScenario();
		if (url === '/_health') return res.end('ok\n');
		if (url === '/_requests') return json(res, requests);
		if (url === '/_scenario' && req.method === 'POST') {
			scenario = j;
			return json(res, scenario);
		}
		const protocol = url.startsWith('/v1/messages') ? 'anthropic'
			: /\/responses(\?|$)/.test(url) ? 'responses'
			: /\/models\/[^/]+:(stream)?[gG]enerateContent/.test(url) ? 'gemini'
			: url.includes('/chat/completions') ? 'chat' : 'other';
		const entry = { n, time: new Date().toISOString(), method: req.method, url, protocol, body };
		requests.push({ n, url, protocol });
		if (logFile) fs.appendFileSync(logFile, JSON.stringify(entry) + '\n');
		try {
			if (protocol === 'anthropic') return anthropic(req, res, j);
			if (protocol === 'responses') return responses(req, res, j);
			if (protocol === 'gemini') return gemini(req, res, j);
			if (protocol === 'chat') return chat(req, res, j);
		} catch (e) {
			note({ error: String(e.stack || e) });
			return json(res, { error: { message: String(e) } }, 500);
		}
		// Model lists and anything else a CLI asks on the side.
		if (/\/models(\?|$)/.test(url)) return json(res, { object: 'list', data: [], models: [] });
		json(res, {}, 404);
	});
});
server.listen(+opt('port', process.env.PORT || 0), '127.0.0.1', () => {
	process.stdout.write('port ' + server.address().port + '\n');
});
