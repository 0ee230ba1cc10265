/** `tokensim --help`: every flag, with its default. */
import { DEFAULTS, HEARTBEAT_MS, JOURNAL_ENTRIES, LIMITS } from '../app/app.js'
import { MAX_BODY_BYTES, MAX_STREAMS, MAX_STREAMS_PER_CLIENT } from '../app/limits.js'
import { HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from '../node/server.js'

export const helpText = (version: string): string => `tokensim ${version}: simulates an AI model's token stream as Server-Sent Events.

Usage: tokensim [options]
       tokensim record URL [--method M] [--header 'name: value']... [--data BODY] [--name NAME] --out FILE
         captures what URL streams, for --captures to replay (see tokensim record --help)

  --port N         port to listen on (default 8787, or env PORT; 0 picks a free one)
  --host ADDR      address to bind (default 127.0.0.1; anything else is reachable from other machines)
  --unit KIND      default unit: char (grapheme), word or token (o200k_base BPE) (default ${DEFAULTS.unit})
  --delay MS       default ms between units (default ${DEFAULTS.delay})
  --ttft MS        default ms before the first unit (default ${DEFAULTS.ttft})
  --jitter F       default spread of each gap, 0 to 1 (default ${DEFAULTS.jitter})
  --seed N         default seed of the latency draws (default ${DEFAULTS.seed})
  --chunk N        default units per event (default ${DEFAULTS.chunk})
  --reply NAME     reply streamed when a request names none (default ${DEFAULTS.reply})
  --profile NAME   latency profile of a request that names none, in place of --delay, --ttft and --jitter
                   (see GET /profiles; default: none, the fixed latency of those three flags)
  --replies PATH   add replies from a JSON or YAML file, or a folder of .md files
  --scenarios PATH rules (JSON or YAML) that choose the answer to a vendor request: text, reasoning, tool calls
  --profiles PATH  add or replace latency profiles (JSON or YAML): ttft and gap distributions, stalls, bursts
  --captures PATH  captured streams to replay (a capture file or a folder of .jsonl and .sse files): at
                   GET /captures/NAME, and on their endpoint with the header x-tokensim-capture: NAME
  --fault SPEC     faults for every request, e.g. "status:503:1" or "error-after:20" (see docs/faults.md)
  --fault-rate P   the probability, 0 to 1, that a request gets the --fault faults (default 1; drawn from --seed)
  --headers-timeout MS
                   longest a client may take to send a request's line and headers; then a 408 (default ${HEADERS_TIMEOUT_MS})
  --request-timeout MS
                   longest a client may take to send a whole request, body included (default ${REQUEST_TIMEOUT_MS})
  --heartbeat MS   longest silence before a ": ping" comment (default ${HEARTBEAT_MS})
  --max-text BYTES longest text= a request may stream, in UTF-8 bytes (default ${LIMITS.maxTextBytes})
  --max-units N    most units one stream may have (default ${LIMITS.maxUnits})
  --max-delay MS   longest delay or ttft a request may ask for (default ${LIMITS.maxDelay})
  --max-duration MS
                   longest a stream may play, from its start to its last unit (default ${LIMITS.maxDuration})
  --max-body BYTES largest request body; beyond it a 413 (default ${MAX_BODY_BYTES})
  --max-streams N  streams open at once; beyond it a 503 with retry-after (default ${MAX_STREAMS})
  --max-streams-per-client N
                   streams open at once from one client address; beyond it a 429 (default ${MAX_STREAMS_PER_CLIENT})
  --api-key KEY    require this key on every route but the page, sent as each vendor's clients send it
                   (or env TOKENSIM_API_KEY; default: none needed, any key accepted)
  --cors ORIGINS   origins that may read the responses: * (default) or a comma-separated list
  --rate-limit LIMITS
                   requests and tokens per minute per API key, as the vendors limit them, e.g.
                   rpm=60,tpm=40000 (either or both; window=10s shortens the minute, for tests); a request
                   beyond them is a 429 in its vendor's shape, and every answer carries the vendor's
                   rate-limit headers (default: no limits)
  --capacity N     streams the simulated model serves at full speed; beyond them a new stream waits longer for
                   its first token and gets its tokens more slowly, as a loaded model does (see
                   docs/latency.md, Capacity; default: no limit, no slowdown; per process with --workers)
  --queue-limit M  streams that may wait beyond --capacity; beyond them an overload refusal (Anthropic 529,
                   503 elsewhere) with retry-after (default: no limit)
  --journal N      requests GET /journal keeps, the oldest dropped first; 0 keeps none (default ${JOURNAL_ENTRIES})
  --workers N      processes that share the port, or "auto" for one per core (default 1)
  -h, --help       show this help
  -v, --version    show the version

Endpoints: GET / (the page), GET /stream, GET /replies, GET /profiles, GET /faults, GET /captures,
GET /v1/models, GET/POST/PUT/DELETE /scenarios, GET/DELETE /journal, GET /metrics, and the vendor APIs POST /v1/chat/completions,
/v1/responses, /v1/messages (and /count_tokens), /v1beta/models/{model}:streamGenerateContent,
:generateContent and :countTokens, /api/chat. See docs/endpoints.md for every parameter.

Signals: SIGINT and SIGTERM stop it (streams end with a final comment; gone within 2 s), SIGHUP reloads the
--replies, --scenarios, --profiles and --captures files.`
