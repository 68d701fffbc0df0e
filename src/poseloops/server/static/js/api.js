// Talking to the server. Every error the server sends is JSON {detail, field}; this turns
// it (or a network failure) into an ApiError with a message a person can read. A 503
// means a part is still loading: wait as long as Retry-After says and try again.

export class ApiError extends Error {
  constructor(status, detail, field = null) {
    super(detail);
    this.status = status;
    this.field = field;
  }
}

const MAX_LOADING_WAITS = 90; // ~3 minutes at the server's 2 s Retry-After
const listeners = { loading: () => {} };

/** Called with true while a request waits for the model to load, false after. */
export function onLoading(callback) {
  listeners.loading = callback;
}

async function send(path, init) {
  for (let attempt = 0; ; attempt++) {
    let response;
    try {
      response = await fetch(path, init);
    } catch (err) {
      throw new ApiError(0, "The studio's server does not answer. Is `poseloops serve` still running?");
    }
    if (response.status === 503 && response.headers.has("Retry-After") && attempt < MAX_LOADING_WAITS) {
      listeners.loading(true);
      const seconds = Number(response.headers.get("Retry-After")) || 2;
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
      continue;
    }
    if (attempt > 0) listeners.loading(false);
    if (!response.ok) throw await errorOf(response);
    return response;
  }
}

async function errorOf(response) {
  let detail = `the server answered ${response.status} ${response.statusText}`;
  let field = null;
  try {
    const body = await response.json();
    if (body && typeof body.detail === "string") detail = body.detail;
    if (body && body.field) field = body.field;
  } catch (_) {
    /* not JSON: keep the status line */
  }
  return new ApiError(response.status, detail, field);
}

function jsonInit(body) {
  return { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
}

export async function getJson(path) {
  return (await send(path, { method: "GET" })).json();
}

export async function postJson(path, body) {
  return (await send(path, jsonInit(body))).json();
}

/** POST JSON, get bytes back (audio, MIDI, files to download). */
export async function postForBytes(path, body) {
  const response = await send(path, jsonInit(body));
  return { bytes: await response.arrayBuffer(), type: response.headers.get("Content-Type") || "", headers: response.headers };
}

/** POST a Blob/File as the raw body with its own content type; options go in the query. */
export async function upload(path, blob, options = {}, type = blob.type) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options)) {
    if (value !== null && value !== undefined && value !== "") query.set(key, String(value));
  }
  const url = query.toString() ? `${path}?${query}` : path;
  const headers = type ? { "Content-Type": type } : {};
  return (await send(url, { method: "POST", headers, body: blob })).json();
}

/**
 * What this server's API takes: for each request model, the set of its fields (from the
 * OpenAPI schema), so the page offers a control only where the server accepts its value.
 */
export async function capabilities() {
  const schema = await getJson("/openapi.json");
  const schemas = schema.components?.schemas || {};
  const fields = (name) => new Set(Object.keys(schemas[name]?.properties || {}));
  return {
    generate: fields("GenerateRequest"),
    render: fields("RenderRequest"),
    exportAudio: fields("ExportAudioRequest"),
    exportMidi: fields("ExportMidiRequest"),
    session: fields("StudioSettings"),
    sessionFields: fields("Session"),
    pattern: fields("PatternModel"),
    paths: new Set(Object.keys(schema.paths || {})),
  };
}

/** GET a JSON resource the server may not have (an older server): null on 404. */
export async function getOptionalJson(path) {
  try {
    return await getJson(path);
  } catch (err) {
    if (err instanceof ApiError && (err.status === 404 || err.status === 405)) return null;
    throw err;
  }
}
