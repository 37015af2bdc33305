// One error type for everything the server can refuse, REST or GraphQL.
//
// REST answers RFC 9457 problem+json: `type` is `urn:capstone:problem:<slug>`
// or `about:blank` (then the status says it all). GraphQL answers 200 with
// `errors[].extensions.code` = the same slug. Both become an ApiError whose
// `code` is that slug, so pages branch on one vocabulary
// (docs/src/problems.md lists every one).

/** One invalid input: `pointer` names it (`#/email`, `#/displayName`). */
export interface FieldProblem {
  pointer: string;
  code: string;
  detail: string;
}

export class ApiError extends Error {
  constructor(
    /** `wrong-password`, `validation`, `unauthenticated`, `network`… */
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fields: FieldProblem[] = [],
    /** Seconds, from `Retry-After` (429, 503). */
    readonly retryAfter: number | null = null,
    /** Quote it in a bug report: every log line of the request has it. */
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const URN = 'urn:capstone:problem:';

/** The slug the GraphQL side would use for an `about:blank` status. */
function codeOfStatus(status: number): string {
  switch (status) {
    case 400: return 'bad-request';
    case 401: return 'unauthenticated';
    case 403: return 'forbidden';
    case 404: return 'not-found';
    case 413: return 'payload-too-large';
    case 429: return 'rate-limited';
    case 502: case 503: case 504: return 'dependency-unavailable';
    default: return status >= 500 ? 'internal' : 'http-' + String(status);
  }
}

interface ProblemBody {
  type?: unknown;
  detail?: unknown;
  title?: unknown;
  errors?: unknown;
  request_id?: unknown;
}

function asFields(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value.filter(
    (f): f is FieldProblem =>
      typeof f === 'object' && f !== null && typeof (f as FieldProblem).pointer === 'string',
  );
}

/** Reads a failed response (any body, even none) into an ApiError. */
export async function problemFrom(response: Response): Promise<ApiError> {
  let body: ProblemBody = {};
  try {
    body = (await response.json()) as ProblemBody;
  } catch {
    // Not JSON (a proxy's HTML page, an empty body): the status still says enough.
  }
  const type = typeof body.type === 'string' ? body.type : 'about:blank';
  const code = type.startsWith(URN) ? type.slice(URN.length) : codeOfStatus(response.status);
  const message =
    typeof body.detail === 'string' ? body.detail
    : typeof body.title === 'string' ? body.title
    : response.statusText;
  const retry = Number(response.headers.get('Retry-After'));
  return new ApiError(
    code,
    response.status,
    message,
    asFields(body.errors),
    Number.isFinite(retry) && retry > 0 ? retry : null,
    typeof body.request_id === 'string' ? body.request_id : response.headers.get('X-Request-Id'),
  );
}

/** One entry of a GraphQL answer's `errors`. */
export interface GraphQLErrorBody {
  message: string;
  extensions?: { code?: unknown; status?: unknown; fields?: unknown };
}

export function graphqlProblem(error: GraphQLErrorBody): ApiError {
  const ext = error.extensions ?? {};
  return new ApiError(
    typeof ext.code === 'string' ? ext.code : 'internal',
    typeof ext.status === 'number' ? ext.status : 200,
    error.message,
    asFields(ext.fields),
  );
}

/** fetch() itself failed: offline, DNS, the gateway down. */
export function networkProblem(): ApiError {
  return new ApiError('network', 0, 'The server could not be reached.');
}
