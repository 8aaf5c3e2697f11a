// GET /docs: the OpenAPI document as one self-contained HTML page (no scripts, fonts or CDN), so it works offline.

type Json = Record<string, unknown>;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const obj = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** Renders the document: operations by tag with parameters, bodies, answers and a curl example; then the schemas. */
export function docsHtml(doc: Json): string {
  const info = obj(doc.info);
  const ops = operations(doc);
  const tags = [...new Set(ops.map((o) => o.tag))];
  const schemas = obj(obj(doc.components).schemas);
  const nav = tags
    .map(
      (t) =>
        `<h3>${esc(t)}</h3><ul>${ops
          .filter((o) => o.tag === t)
          .map((o) => `<li><a href="#${esc(o.id)}"><b class="m ${o.method}">${o.method.toUpperCase()}</b> ${esc(o.path)}</a></li>`)
          .join('')}</ul>`,
    )
    .join('');
  const body = tags
    .map(
      (t) =>
        `<h2>${esc(t)}</h2>${ops
          .filter((o) => o.tag === t)
          .map(operationHtml)
          .join('')}`,
    )
    .join('');
  const schemaList = Object.entries(schemas)
    .map(([name, s]) => `<section id="schema-${esc(name)}"><h3>${esc(name)}</h3>${schemaBlock(obj(s))}</section>`)
    .join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(str(info.title))}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${CSS}</style></head><body>
<nav><h1>${esc(str(info.title))} <small>${esc(str(info.version))}</small></h1><p><a href="/openapi.json">openapi.json</a></p>${nav}<h3><a href="#schemas">Schemas</a></h3></nav>
<main><p>${esc(str(info.description))}</p>${body}<h2 id="schemas">Schemas</h2>${schemaList}</main></body></html>`;
}

interface Op {
  id: string;
  method: string;
  path: string;
  tag: string;
  op: Json;
}

function operations(doc: Json): Op[] {
  return Object.entries(obj(doc.paths)).flatMap(([path, item]) =>
    Object.entries(obj(item)).map(([method, op]) => {
      const o = obj(op);
      const tags = Array.isArray(o.tags) ? o.tags : [];
      return { id: str(o.operationId) || `${method}-${path}`, method, path, tag: str(tags[0]) || 'other', op: o };
    }),
  );
}

function operationHtml({ id, method, path, op }: Op): string {
  const params = Array.isArray(op.parameters) ? op.parameters.map(obj) : [];
  const paramRows = params
    .map(
      (p) =>
        `<tr><td><code>${esc(str(p.name))}</code></td><td>${esc(str(p.in))}</td><td>${p.required ? 'yes' : 'no'}</td><td>${esc(str(p.description))}</td><td>${schemaBlock(obj(p.schema))}</td></tr>`,
    )
    .join('');
  const content = obj(obj(op.requestBody).content);
  const bodies = Object.entries(content)
    .map(([type, media]) => {
      const m = obj(media);
      const example = m.example === undefined ? '' : `<p>Example:</p><pre>${esc(JSON.stringify(m.example, null, 2))}</pre>`;
      return `<p><code>${esc(type)}</code></p>${schemaBlock(obj(m.schema))}${example}`;
    })
    .join('');
  const responses = Object.entries(obj(op.responses))
    .map(([status, r]) => {
      const media = Object.entries(obj(obj(r).content))
        .map(([type, m]) => `<code>${esc(type)}</code> ${schemaBlock(obj(obj(m).schema))}`)
        .join('');
      return `<tr><td><b>${esc(status)}</b></td><td>${esc(str(obj(r).description))}</td><td>${media}</td></tr>`;
    })
    .join('');
  return `<section id="${esc(id)}"><h3><b class="m ${method}">${method.toUpperCase()}</b> <code>${esc(path)}</code> — ${esc(str(op.summary))}</h3>
<p>${esc(str(op.description)).replace(/\n\n/g, '</p><p>')}</p>
${paramRows ? `<table><tr><th>Parameter</th><th>In</th><th>Required</th><th>Description</th><th>Schema</th></tr>${paramRows}</table>` : ''}
${bodies ? `<h4>Request body</h4>${bodies}` : ''}
<h4>Answers</h4><table><tr><th>Status</th><th>Meaning</th><th>Body</th></tr>${responses}</table>
<h4>Example</h4><pre>${esc(curl(method, path, op, content))}</pre></section>`;
}

function curl(method: string, path: string, op: Json, content: Json): string {
  const auth = Array.isArray(op.security) && op.security.length > 0 ? ' \\\n  -H "Authorization: Bearer $LIFEBOAT_TOKEN"' : '';
  const [type, media] = Object.entries(content)[0] ?? [];
  const example = obj(media).example;
  const data = /yaml/.test(type ?? '') ? '--data-binary @runbook.yaml' : `-d '${example === undefined ? '{}' : JSON.stringify(example).replace(/'/g, "'\\''")}'`;
  const body = type === undefined ? '' : ` \\\n  -H 'content-type: ${type}' ${data}`;
  return `curl -s${method === 'get' ? '' : ` -X ${method.toUpperCase()}`} "$LIFEBOAT_URL${path}"${auth}${body}`;
}

// Schemas as indented JSON with each $ref turned into a link to its section.
function schemaBlock(schema: Json): string {
  const text = esc(JSON.stringify(schema, null, 2));
  return `<pre class="schema">${text.replace(/&#34;#\/components\/schemas\/([A-Za-z0-9._-]+)&#34;/g, '<a href="#schema-$1">$1</a>')}</pre>`;
}

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:0;display:flex;color:#1b1f24}
nav{width:300px;flex:none;height:100vh;overflow:auto;position:sticky;top:0;background:#f5f6f8;padding:12px;box-sizing:border-box}
nav ul{list-style:none;padding:0;margin:0}nav li{margin:2px 0;font-size:13px}nav a{text-decoration:none;color:inherit}
main{padding:16px 28px;max-width:1100px;overflow:auto}section{border-top:1px solid #dde;padding:8px 0}
pre{background:#f5f6f8;padding:8px;overflow:auto;max-height:360px;font-size:12px}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #dde;padding:4px;vertical-align:top;text-align:left}.m{font-size:11px;padding:1px 4px;border-radius:3px;color:#fff;background:#555}
.get{background:#2b7bb9}.post{background:#2f9e44}.delete{background:#c92a2a}.put{background:#e67700}`;
