/**
 * A minimal client of a Confluent-compatible schema registry (Confluent Schema Registry, Redpanda,
 * Karapace, Apicurio's ccompat API): register a schema under a subject and get its id, fetch a
 * schema by id. Answers are cached for the client's lifetime (ids are immutable in a registry), and
 * concurrent requests for the same id or subject share one HTTP request.
 */

/** A registry's answer to GET /schemas/ids/{id}. */
export interface RegisteredSchema {
  /** 'AVRO' (the registry's default when it says nothing), 'JSON' or 'PROTOBUF'. */
  readonly schemaType: string;
  /** The schema's text, e.g. an Avro schema as JSON. */
  readonly schema: string;
}

export interface SchemaRegistryClientOptions {
  /** Base URL, e.g. `http://127.0.0.1:8081`; `http://user:secret@host` sends basic auth. */
  readonly url: string;
  /** Per request (default 10 000 ms). */
  readonly timeoutMs?: number;
  /** Extra HTTP headers on every request, e.g. `{ authorization: 'Bearer ...' }`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A failed registry request; `status` is the HTTP status when the registry answered. */
export class SchemaRegistryError extends Error {
  readonly status: number | undefined;
  /** The registry's own error code (e.g. 40403: schema not found), when it gave one. */
  readonly errorCode: number | undefined;

  constructor(message: string, status?: number, errorCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemaRegistryError';
    this.status = status;
    this.errorCode = errorCode;
  }
}

const CONTENT_TYPE = 'application/vnd.schemaregistry.v1+json';

/**
 * @example
 * ```ts
 * const registry = new SchemaRegistryClient('http://127.0.0.1:8081');
 * const id = await registry.register('payments-value', JSON.stringify(paymentSchema));
 * const { schema } = await registry.schemaById(id);
 * ```
 */
export class SchemaRegistryClient {
  /** The base URL without credentials, as it appears in error messages. */
  readonly url: string;
  private readonly timeoutMs: number;
  private readonly headers: Record<string, string>;
  private readonly ids = new Map<string, Promise<number>>();
  private readonly schemas = new Map<number, Promise<RegisteredSchema>>();

  constructor(options: string | SchemaRegistryClientOptions) {
    const {
      url,
      timeoutMs = 10_000,
      headers = {},
    } = typeof options === 'string' ? { url: options } : options;
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new SchemaRegistryError(`invalid schema registry URL: ${JSON.stringify(url)}`);
    }
    this.headers = { accept: `${CONTENT_TYPE}, application/json`, ...headers };
    // fetch refuses URLs with credentials: move them into a header.
    if (parsed.username !== '' || parsed.password !== '') {
      const user = decodeURIComponent(parsed.username);
      const password = decodeURIComponent(parsed.password);
      this.headers.authorization = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
      parsed.username = '';
      parsed.password = '';
    }
    this.url = parsed.href.replace(/\/+$/, '');
    this.timeoutMs = timeoutMs;
  }

  /**
   * The id of `schema` under `subject`, registering it as a new version if the subject does not
   * hold it yet (POST /subjects/{subject}/versions; the registry answers the existing id otherwise).
   */
  register(subject: string, schema: string, schemaType = 'AVRO'): Promise<number> {
    const key = `${subject}\u0000${schemaType}\u0000${schema}`;
    return this.cached(this.ids, key, async () => {
      const body = schemaType === 'AVRO' ? { schema } : { schema, schemaType };
      const path = `/subjects/${encodeURIComponent(subject)}/versions`;
      const answer = await this.request('POST', path, body);
      const id = (answer as { id?: unknown } | null)?.id;
      if (typeof id !== 'number' || !Number.isInteger(id)) {
        throw new SchemaRegistryError(
          `the schema registry at ${this.url} answered POST ${path} without an integer id: ${JSON.stringify(answer)}`,
        );
      }
      return id;
    });
  }

  /** The schema with registry id `id` (GET /schemas/ids/{id}). */
  schemaById(id: number): Promise<RegisteredSchema> {
    return this.cached(this.schemas, id, async () => {
      const path = `/schemas/ids/${id}`;
      const answer = (await this.request('GET', path)) as { schema?: unknown; schemaType?: unknown } | null;
      if (typeof answer?.schema !== 'string') {
        throw new SchemaRegistryError(
          `the schema registry at ${this.url} answered GET ${path} without a schema: ${JSON.stringify(answer)}`,
        );
      }
      const schemaType = typeof answer.schemaType === 'string' ? answer.schemaType : 'AVRO';
      return { schemaType, schema: answer.schema };
    });
  }

  /** A failed request is not cached: the next call asks again. */
  private cached<K, V>(cache: Map<K, Promise<V>>, key: K, load: () => Promise<V>): Promise<V> {
    let pending = cache.get(key);
    if (pending === undefined) {
      pending = load();
      cache.set(key, pending);
      pending.catch(() => cache.delete(key));
    }
    return pending;
  }

  private async request(method: 'GET' | 'POST', path: string, body?: unknown): Promise<unknown> {
    const headers = body === undefined ? this.headers : { ...this.headers, 'content-type': CONTENT_TYPE };
    let response: Response;
    try {
      response = await fetch(this.url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      const reason =
        (error as Error)?.name === 'TimeoutError'
          ? `no answer within ${this.timeoutMs} ms`
          : networkReason(error);
      throw new SchemaRegistryError(
        `the schema registry at ${this.url} is unreachable (${method} ${path}: ${reason})`,
        undefined,
        undefined,
        { cause: error },
      );
    }
    const text = await response.text();
    let answer: unknown;
    try {
      answer = text === '' ? null : JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (!response.ok) {
      const { message, error_code: code } = (answer ?? {}) as { message?: unknown; error_code?: unknown };
      const detail = typeof message === 'string' ? message : text.slice(0, 200) || response.statusText;
      const errorCode = typeof code === 'number' ? code : undefined;
      throw new SchemaRegistryError(
        `the schema registry at ${this.url} answered ${response.status} to ${method} ${path}: ${detail}${errorCode === undefined ? '' : ` (error code ${errorCode})`}`,
        response.status,
        errorCode,
      );
    }
    if (answer === undefined) {
      throw new SchemaRegistryError(
        `the schema registry at ${this.url} answered ${method} ${path} with something other than JSON: ${text.slice(0, 200)}`,
        response.status,
      );
    }
    return answer;
  }
}

/** `ECONNREFUSED` and the like from fetch's cause chain, else the message. */
function networkReason(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause instanceof Error; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return `${code}: ${cause.message}`;
    cause = cause.cause;
  }
  return error instanceof Error ? error.message : String(error);
}
