// Live updates: the server-sent events of GET /api/v1/alerts/stream. EventSource cannot send an
// Authorization header, so the stream is read with fetch() and parsed here. Reconnects with
// backoff; "event: alert" carries an Alert, "event: case" a state change; ": keepalive" lines
// are comments.
import { API, authHeaders } from "./api.js";

const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 30000;

/** Splits a text stream into {event, data} messages as the SSE format defines them. */
export class EventStreamParser {
  constructor(onMessage) {
    this.onMessage = onMessage;
    this.buffer = "";
    this.reset();
  }

  reset() {
    this.event = "message";
    this.data = [];
  }

  push(text) {
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop(); // the last piece may be an unfinished line
    for (const line of lines) this.line(line);
  }

  line(line) {
    if (line === "") {
      if (this.data.length) this.onMessage({ event: this.event, data: this.data.join("\n") });
      this.reset();
      return;
    }
    if (line.startsWith(":")) return; // a comment, e.g. keepalive
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "event") this.event = value;
    else if (field === "data") this.data.push(value);
  }
}

/**
 * Keeps one stream open until stop() is called.
 * handlers: {alert(alert), case(change), status("connecting"|"on"|"off"), unauthorized()}
 */
export function startLive(handlers) {
  const controller = new AbortController();
  let retryMs = FIRST_RETRY_MS;
  let stopped = false;

  const dispatch = ({ event, data }) => {
    const handler = handlers[event];
    if (!handler) return;
    try {
      handler(JSON.parse(data));
    } catch (error) {
      console.warn("unreadable live event", event, error);
    }
  };

  async function readOnce() {
    handlers.status?.("connecting");
    const response = await fetch(`${API}/alerts/stream`, {
      headers: authHeaders({ Accept: "text/event-stream" }),
      signal: controller.signal,
      cache: "no-store",
    });
    if (response.status === 401) {
      stopped = true;
      handlers.unauthorized?.();
      return;
    }
    if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
    handlers.status?.("on");
    retryMs = FIRST_RETRY_MS;
    const parser = new EventStreamParser(dispatch);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      parser.push(value);
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await readOnce();
      } catch (error) {
        if (controller.signal.aborted) return;
        console.info("live stream interrupted:", error.message);
      }
      if (stopped) return;
      handlers.status?.("off");
      await new Promise((resolve) => setTimeout(resolve, retryMs));
      retryMs = Math.min(retryMs * 2, LONGEST_RETRY_MS);
    }
  })();

  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
