const fs = require('fs');
// Fake model API for recording agent screens. MODE=hang: never answer.
// MODE=claude-tool: Anthropic Messages streaming answer with a Bash tool_use.
const http = require('http');
const mode = process.env.MODE || 'hang';
const port = +process.env.PORT || 18080;
const log = (...a) => console.error(new Date().toISOString(), ...a);
http.createServer((req, res) => {
	let body = '';
	req.on('data', (c) => (body += c));
	req.on('end', () => {
		log(req.method, req.url, body.slice(0, 300).replace(/\n/g, ' '));
		if (process.env.DUMP) fs.writeFileSync(process.env.DUMP + '/' + Date.now() + '.json', body);
		if (mode === 'hang') return; // keep the request open
		if (mode === 'claude-tool' && req.url.startsWith('/v1/messages')) {
			if (req.url.includes('count_tokens')) {
				res.writeHead(200, { 'content-type': 'application/json' });
				return res.end(JSON.stringify({ input_tokens: 10 }));
			}
			let j = {};
			try { j = JSON.parse(body); } catch (e) {}
			const streaming = j.stream;
			const done = body.includes('tool_result');
			const hasTools = !done && Array.isArray(j.tools) && j.tools.some((t) => t.name === 'Bash');
			const write = body.includes('Write plan.json');
			const msg = (content, stop) => ({ id: 'msg_1', type: 'message', role: 'assistant', model: j.model || 'claude', content, stop_reason: stop, stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } });
			const tool = write ? { type: 'tool_use', id: 'toolu_01', name: 'Write', input: { file_path: (process.env.REPO || process.cwd()) + '/plan.json', content: '{"summary": "plan"}\n' } } : { type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'rm -rf build && make test', description: 'Run the test suite' } };
			const content = hasTools ? [tool] : [{ type: 'text', text: done ? 'Wrote plan.json with a one-line summary.' : 'ok' }];
			const stop = hasTools ? 'tool_use' : 'end_turn';
			if (!streaming) {
				res.writeHead(200, { 'content-type': 'application/json' });
				return res.end(JSON.stringify(msg(content, stop)));
			}
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			const ev = (t, d) => res.write(`event: ${t}\ndata: ${JSON.stringify(d)}\n\n`);
			ev('message_start', { type: 'message_start', message: msg([], null) });
			content.forEach((b, i) => {
				if (b.type === 'tool_use') {
					ev('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'tool_use', id: b.id, name: b.name, input: {} } });
					ev('content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: JSON.stringify(b.input) } });
				} else {
					ev('content_block_start', { type: 'content_block_start', index: i, content_block: { type: 'text', text: '' } });
					ev('content_block_delta', { type: 'content_block_delta', index: i, delta: { type: 'text_delta', text: b.text } });
				}
				ev('content_block_stop', { type: 'content_block_stop', index: i });
			});
			ev('message_delta', { type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 5 } });
			ev('message_stop', { type: 'message_stop' });
			return res.end();
		}
		if (mode === 'codex-tool' && req.url.includes('/responses')) {
			let j = {};
			try { j = JSON.parse(body); } catch (e) {}
			const done = body.includes('function_call_output');
			const hasExec = !done && Array.isArray(j.tools) && j.tools.some((t) => t.name === 'exec_command');
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			const ev = (d) => res.write('event: ' + d.type + '\ndata: ' + JSON.stringify(d) + '\n\n');
			const resp = { id: 'resp_' + Date.now(), object: 'response', status: 'in_progress', output: [] };
			ev({ type: 'response.created', response: resp });
			const item = hasExec
				? { type: 'function_call', id: 'fc_1', call_id: 'call_1', name: 'exec_command', status: 'completed', arguments: JSON.stringify({ cmd: 'rm -rf build && make test', sandbox_permissions: 'require_escalated', justification: 'Do you want to run the test suite outside the sandbox?' }) }
				: { type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: done ? 'Ran the test suite.' : 'ok', annotations: [] }] };
			ev({ type: 'response.output_item.added', output_index: 0, item });
			ev({ type: 'response.output_item.done', output_index: 0, item });
			ev({ type: 'response.completed', response: { ...resp, status: 'completed', output: [item], usage: { input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 5, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 15 } } });
			return res.end();
		}
		if (mode === 'gemini-tool' && req.url.includes('/models/')) {
			let gj = {}; try { gj = JSON.parse(body); } catch (e) {}
			const lastc = (gj.contents || []).slice(-1)[0] || { parts: [] };
			const done = (lastc.parts || []).some((p) => p.functionResponse);
			const usage = { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 };
			const textPart = (t) => ({ candidates: [{ content: { role: 'model', parts: [{ text: t }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage });
			if (!req.url.includes('streamGenerateContent')) {
				res.writeHead(200, { 'content-type': 'application/json' });
				return res.end(JSON.stringify(textPart('{"reasoning": "simple task", "model_choice": "flash"}')));
			}
			const call = { candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'run_shell_command', args: { command: 'rm -rf build && make test', description: 'Run the test suite' } } }] }, finishReason: 'STOP', index: 0 }], usageMetadata: usage };
			res.writeHead(200, { 'content-type': 'text/event-stream' });
			res.write('data: ' + JSON.stringify(done ? textPart('Ran the test suite.') : call) + '\r\n\r\n');
			return res.end();
		}
		res.writeHead(404, { 'content-type': 'application/json' });
		res.end('{}');
	});
}).listen(port, '127.0.0.1', () => log('listening', mode, port));
