import type { Reply } from '../types.js'

/** A long, coherent explainer (over 3,000 o200k_base tokens) with sections, lists, a table and two code blocks. */
export const long: Reply = {
  name: 'long',
  description:
    'A long Markdown explainer of token-by-token generation, TTFT and tokens per second: tests long streams, scrolling and throughput.',
  text: `# How a language model writes its answer, one token at a time

When you watch a chat assistant "type" its reply, you are not watching an animation layered on top of a finished answer. The words really are being produced one after another, and the pauses you see are, for the most part, the time it takes the model to decide what comes next. Understanding that process explains almost everything about how a chat interface should behave: why there is a delay before anything appears, why text then arrives at a fairly steady rhythm, why long answers take proportionally longer, and which numbers you should measure when you care about how fast a product *feels*.

This answer walks through the whole pipeline, from the text you send to the characters that land on the screen, and then turns it into practical advice for building a chat UI.

## 1. Text goes in as tokens, not letters

A language model never sees characters directly. Before your prompt reaches the model, a **tokenizer** cuts it into pieces called *tokens* and replaces each piece with an integer ID from a fixed vocabulary. Modern tokenizers use a technique called byte pair encoding (BPE): they start from raw bytes and repeatedly merge the most frequent neighbouring pairs seen in a large training corpus, until the vocabulary reaches a target size, typically somewhere between 50,000 and 200,000 entries.

The result is a vocabulary in which:

- Very common words, such as "the", "and" or "function", are a single token, usually including the space in front of them.
- Less common words are split into a few familiar pieces: "tokenization" might become "token" + "ization".
- Rare strings, unusual names, long numbers and many non-English scripts break into more, shorter pieces, sometimes down to individual bytes.
- Punctuation, newlines and runs of spaces get tokens of their own, which is why code and Markdown tables can cost more tokens than their length suggests.

As a rule of thumb, one token is about four characters of English text, or roughly three quarters of a word. A 750-word answer is therefore around 1,000 tokens. The ratio is noticeably worse for languages such as Hindi, Thai or Korean, and for text full of emoji, because each visible character may need several tokens.

Two consequences matter for a chat UI. First, the unit the model produces is not a word and not a character, so a token can end in the middle of a word or, for multi-byte characters, even in the middle of a character's byte sequence. Second, everything the model provider measures and bills, from context limits to speed, is counted in tokens, so you will want to think in tokens too.

## 2. The generation loop

At its core, a language model is a function that takes a sequence of token IDs and returns, for the *next* position, a probability for every token in the vocabulary. That is all it does. To produce a whole answer, the serving system calls it in a loop:

1. Tokenize the conversation (system prompt, earlier messages, your new message) into one long sequence.
2. Run the model over that sequence to get a probability distribution for the next token.
3. Pick one token from that distribution.
4. Append the chosen token to the sequence and send it to the client.
5. Repeat from step 2, until the model picks a special end-of-turn token or a length limit is reached.

In Python-flavoured pseudocode, the loop looks like this:

\`\`\`python
def generate(model, tokenizer, prompt: str, max_new_tokens: int = 1024):
    tokens = tokenizer.encode(prompt)
    cache = model.prefill(tokens)            # one big parallel pass over the prompt
    for _ in range(max_new_tokens):
        logits = cache.next_token_logits()
        next_id = sample(logits, temperature=0.7, top_p=0.9)
        if next_id == tokenizer.end_of_turn:
            break
        yield tokenizer.decode_piece(next_id)  # stream it out right away
        cache = model.decode_step(cache, next_id)  # one small pass for one token
\`\`\`

The important detail is that each new token depends on every token before it, including the ones the model just wrote. The model cannot compute token 50 before it has chosen token 49, because token 49 is part of the input for token 50. Generation is inherently sequential, and that is the fundamental reason answers stream out rather than appearing all at once.

### Choosing the next token

Step 3 deserves a closer look, because it is where a lot of the "personality" of a model's output comes from. The model's raw output is a vector of scores, called *logits*, one per vocabulary entry. A softmax turns them into probabilities. The serving system then chooses among them using a **sampling strategy**:

- **Greedy decoding** always takes the single most likely token. It is deterministic but tends to be repetitive and flat.
- **Temperature** rescales the scores before the softmax. A temperature below 1 sharpens the distribution towards the favourites; above 1 it flattens it and makes surprising choices more likely.
- **Top-k** keeps only the k most likely tokens and samples among them.
- **Top-p**, or nucleus sampling, keeps the smallest set of tokens whose probabilities add up to p (say 0.9), which adapts to how confident the model is at each step.

None of these choices changes the speed much: sampling is cheap compared with running the network. But they explain why the same prompt can produce different answers, and why a seeded or greedy configuration is useful when you need reproducible output for tests.

## 3. Two very different phases: prefill and decode

If you time a real model, you will notice that the loop does not run at a constant pace. There are two distinct phases, and they have different bottlenecks.

**Prefill** is the first pass over the whole prompt. Because all the prompt tokens are already known, the model can process them in parallel, as one large batch of matrix multiplications. This is the kind of work GPUs are built for, and it is limited mainly by raw compute. While it runs, the model stores intermediate results for every position, the *key-value cache* (KV cache), so that it never has to reprocess the prompt again.

**Decode** is every step after that. Each step processes just one new token, reusing the KV cache for everything earlier. The arithmetic per step is small, but the GPU still has to read all of the model's weights from memory for each token it produces. For a model with tens of billions of parameters, that is tens of gigabytes read per step. Decode is therefore limited mostly by memory bandwidth, not by compute, and its speed is roughly the same for every token regardless of how long the answer gets (it slows slightly as the KV cache grows).

This split is why the user experience has two clear parts: a wait, followed by a stream.

## 4. Time to first token

**Time to first token (TTFT)** is the time from the moment the user sends a message to the moment the first piece of the answer appears. It is the number that most strongly shapes whether a chat feels responsive, because during that interval the user sees nothing happening.

TTFT is the sum of several delays, and only some of them are the model's fault:

1. **Network and TLS**: the request travels from the browser to your server and on to the model provider. Tens of milliseconds on a good connection, much more on mobile networks.
2. **Queueing**: a busy inference cluster may hold your request until a GPU has capacity. This is the most variable component, and under heavy load it dominates.
3. **Prompt processing (prefill)**: proportional to the length of the prompt. A short question is processed in a few tens of milliseconds; a prompt that includes a 50-page document or a long conversation history can take seconds.
4. **Your own server**: authentication, retrieval of documents for context, moderation checks, database lookups. In retrieval-augmented applications this is often the single biggest slice.
5. **The first decode step and the first flush**: once the first token exists, it still has to be sent and the browser has to render it. Buffering proxies can silently add a lot here.

Typical TTFT values for hosted models range from about 200 milliseconds to a couple of seconds. Anything under roughly half a second feels immediate; beyond two or three seconds, users start to wonder whether anything is happening at all. Reasoning models that "think" before they answer can have a TTFT of many seconds for the visible answer, which is why their interfaces usually show a "thinking" indicator or a summary of the reasoning in the meantime.

## 5. Tokens per second

Once the stream starts, the second number takes over: **output speed**, usually expressed as **tokens per second (TPS)**, or equivalently as the average **inter-token latency**, the gap between two consecutive tokens. At 50 tokens per second the gap is 20 milliseconds; at 20 tokens per second it is 50 milliseconds.

The total time for a response is approximately:

> **total time ≈ TTFT + (output tokens − 1) ÷ tokens per second**

So a 600-token answer from a model that starts after 400 ms and streams at 60 tokens per second takes about 0.4 + 599 / 60 ≈ 10.4 seconds from send to finish. That is why long answers feel slow even on fast models, and why a concise answer is often the biggest speed improvement you can make.

What determines the speed?

- **Model size**: bigger models read more weights per token, so they decode more slowly on the same hardware.
- **Hardware and memory bandwidth**: newer accelerators with faster memory decode faster.
- **Batching**: providers serve many users on the same GPU at once. Larger batches raise total throughput but can lower the speed each individual user sees.
- **Techniques like speculative decoding**, in which a small draft model proposes several tokens that the big model verifies in one pass, can multiply the speed when the guesses are good, which makes the stream arrive in little bursts rather than one token at a time.

For perspective, people read comfortably at around 200 to 300 words per minute, which is roughly 4 to 7 tokens per second. Most hosted models stream between 30 and 150 tokens per second, comfortably faster than anyone reads. Beyond a certain speed, the stream stops feeling like typing and starts feeling like a page loading, which is fine, but it means that a further speed-up is only noticeable on long answers.

### Jitter and bursts

Real streams are not metronomes. The gaps between tokens vary: the server batches several tokens into one network write, a proxy buffers a few packets, the scheduler pauses your request for a moment to admit someone else's prefill, or speculative decoding releases five tokens at once. From the browser's point of view, the stream often arrives as small chunks at irregular intervals rather than one token every 20 milliseconds. A UI that assumes a perfectly smooth stream will look fine in a demo and stutter in production.

## 6. Getting the tokens to the browser

Most chat APIs stream their output using **Server-Sent Events (SSE)**: a long-lived HTTP response with the content type \`text/event-stream\`, in which the server writes small \`data:\` lines as soon as it has something to send. It is plain HTTP, it passes through most proxies, and browsers can read it either with the built-in \`EventSource\` or with \`fetch\` and a stream reader, which also allows POST requests and custom headers.

Here is a compact client that reads such a stream with \`fetch\`, renders the text as it arrives and measures both TTFT and output speed:

\`\`\`typescript
async function streamReply(prompt: string, onText: (text: string) => void) {
  const started = performance.now()
  let firstAt: number | undefined
  let pieces = 0

  const response = await fetch('/api/chat', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ prompt }),
  })
  if (!response.ok || !response.body) throw new Error(\`HTTP \${response.status}\`)

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    buffer += value
    const events = buffer.split('\\n\\n')
    buffer = events.pop() ?? '' // keep a half-received event for the next chunk
    for (const event of events) {
      const data = event
        .split('\\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\\n')
      if (data === '' || data === '[DONE]') continue
      firstAt ??= performance.now()
      pieces++
      onText(JSON.parse(data).text)
    }
  }

  const ended = performance.now()
  const ttft = (firstAt ?? ended) - started
  const rate = firstAt !== undefined && pieces > 1 ? (pieces - 1) / ((ended - firstAt) / 1000) : 0
  console.info(\`TTFT \${ttft.toFixed(0)} ms, \${rate.toFixed(1)} events/s\`)
}
\`\`\`

A few details in that code are easy to get wrong. Network chunks do not line up with events, so the client has to keep a buffer and only parse complete events, which end with a blank line. The \`TextDecoderStream\` matters too: if a multi-byte character, such as an emoji or a Chinese character, is split across two network chunks, decoding each chunk on its own would produce garbage, while a streaming decoder waits for the rest of the character. Finally, note that the code counts *events*, not tokens: a server may put one token or ten into a single event, so if you need a true tokens-per-second figure, count tokens on the server or use the usage numbers the API reports at the end of the stream.

## 7. Designing a chat UI around these numbers

Knowing where the time goes suggests a set of concrete design choices.

### Make the wait visible

- Show the user's message in the conversation immediately, before the request even leaves the browser. The interface should never look as if the click did nothing.
- Display a typing indicator or a pulsing placeholder during the TTFT interval. If TTFT regularly exceeds a second or two, show a status line such as "Searching your documents..." so the wait has an explanation.
- Keep the input usable, or at least show a clear **Stop** button, so the user can cancel a response that is heading in the wrong direction without waiting for it to finish.

### Render the stream smoothly

- Append text to the DOM efficiently. Re-rendering the entire conversation, or re-parsing the entire Markdown answer, on every token becomes expensive once the answer is long. Batch updates into one per animation frame.
- Be prepared for **incomplete Markdown**. Mid-stream, a reply may contain an unclosed code fence, half a table row, or a \`**\` that has not been closed yet. Renderers that handle partial input gracefully avoid the flicker of text suddenly jumping into a code block when the closing fence arrives.
- Consider smoothing bursty streams by revealing buffered text at a steady pace. A small, adaptive buffer turns irregular network chunks into even typing, at the cost of a little extra delay.
- Do not split text on arbitrary character boundaries when you animate it. Emoji built from several code points, combining accents and right-to-left scripts all break if you cut them in the wrong place.

### Handle scrolling and interruptions

- Auto-scroll to follow the stream only while the user is already at the bottom. If they scroll up to reread something, stop following them around, and offer a "jump to latest" button instead.
- Decide what happens when the connection drops mid-answer: keep the partial text, mark it as incomplete, and offer a retry. Some APIs let a client resume from the last event it received, which avoids regenerating the whole answer.
- When the user presses Stop, abort the request on the client *and* make sure the server stops generating, so you do not pay for tokens nobody will read.

## 8. Measuring what users actually feel

Averages hide the experience of your unluckiest users. When you measure a chat product, record the following for every response, and look at the 50th, 90th and 99th percentiles rather than the mean:

| Metric | What it captures | A reasonable target |
| --- | --- | --- |
| Time to first token | How long the user waits before anything happens | Under 1 s at p90 |
| Output tokens per second | How quickly the answer fills in once started | Above 20 tokens/s |
| Longest gap between tokens | Visible stalls in the middle of the stream | Under 500 ms |
| Total response time | The full wait for a complete answer | Depends on answer length |
| Output length in tokens | Whether answers are longer than needed | As short as useful |

Measure from the browser as well as from the server. The server can tell you how long the model took; only the client can tell you what the network, proxies and rendering added on top. A stream that leaves the server token by token but arrives in one lump after ten seconds is a common and painful bug, usually caused by a buffering reverse proxy or compression middleware that waits for a full response before sending anything.

It also pays to test your interface against simulated streams before you connect a real model. A simulator that replays a canned reply with a configurable TTFT, a configurable token rate and some jitter lets you check the slow case (a three-second TTFT at 10 tokens per second), the fast case (everything within 200 milliseconds) and the awkward cases (huge bursts, long stalls, connections dropped halfway through) on demand, deterministically, and without spending money on API calls.

## 9. Summary

- A model produces its answer one **token** at a time, because each token depends on all the ones before it. Tokens are word pieces, roughly four characters of English each.
- Generation has two phases: a parallel **prefill** over the prompt, which mostly determines when the answer starts, and a sequential **decode**, which determines how fast it continues.
- **Time to first token** is the wait before anything appears. It includes the network, queueing, prompt processing and your own server's work, and it is the biggest factor in whether a chat feels responsive.
- **Tokens per second** is the pace of the stream afterwards. Total time is roughly TTFT plus the number of output tokens divided by that rate, so shorter answers are faster answers.
- Streams arrive in irregular chunks over Server-Sent Events, and a good chat UI acknowledges input instantly, shows progress during the wait, renders partial Markdown gracefully, respects the user's scroll position and lets them stop at any time.

If you would like, I can sketch a small test harness that replays a canned answer at different speeds so you can see how your interface behaves at 5, 30 and 150 tokens per second.`,
}
