// A runner that knows Beacon only from its topic contract and uses Confluent's client libraries for
// Node.js (kafkajs + @kafkajs/confluent-schema-registry): it registers InferenceRequest through the
// registry client, produces N jobs keyed by job id, reads inference-results with read_committed and
// checks that every job came back exactly once, decoded by the same library.
//
// stdout: one JSON line per result, then one {"summary": ...} line. Diagnostics go to stderr.
// Exit code: 0 when every job got exactly one matching result in time, 1 otherwise, 2 on bad usage.
//
//   node interop.mjs --bootstrap 127.0.0.1:9092 --registry http://127.0.0.1:8081 \
//       --requests-topic inference-requests --results-topic inference-results --jobs 20 \
//       [--schema-file InferenceRequest.avsc] [--sent-file sent.jsonl] [--timeout-seconds 90] [--run-id ID]
//
// Every option can also come from the environment: BOOTSTRAP_SERVERS, SCHEMA_REGISTRY_URL,
// REQUESTS_TOPIC, RESULTS_TOPIC, JOBS, REQUEST_SCHEMA_FILE, SENT_FILE, TIMEOUT_SECONDS, RUN_ID.
// Without a schema file the subject's latest registered version is used, as a runner that does not
// own the schema would do.

import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import avro from 'avsc';
import kafkajs from 'kafkajs';
import registryClient from '@kafkajs/confluent-schema-registry';

const { Kafka, Partitioners, logLevel } = kafkajs;
const { SchemaRegistry, SchemaType } = registryClient;

const PROVIDER_KINDS = new Set(['UNKNOWN', 'GOLEM', 'MODAL', 'RUNPOD']);

/**
 * Avro's timestamp-millis as a JavaScript Date. avsc knows no logical types of its own: without this
 * created_at and deadline would be bare numbers, and a Date given for them would be refused.
 */
class TimestampMillis extends avro.types.LogicalType {
  _fromValue(millis) {
    return new Date(millis);
  }

  _toValue(date) {
    // Anything but a Date (a number, an ISO string) is refused, so a runner bug cannot slip through.
    return date instanceof Date && !Number.isNaN(date.getTime()) ? date.getTime() : undefined;
  }

  _resolve(writerType) {
    if (avro.Type.isType(writerType, 'long', 'logical:timestamp-millis')) {
      return this._fromValue;
    }
    return undefined;
  }
}

function options() {
  const { values } = parseArgs({
    options: {
      bootstrap: { type: 'string', default: process.env.BOOTSTRAP_SERVERS },
      registry: { type: 'string', default: process.env.SCHEMA_REGISTRY_URL },
      'requests-topic': { type: 'string', default: process.env.REQUESTS_TOPIC },
      'results-topic': { type: 'string', default: process.env.RESULTS_TOPIC },
      jobs: { type: 'string', default: process.env.JOBS ?? '20' },
      'schema-file': { type: 'string', default: process.env.REQUEST_SCHEMA_FILE },
      'sent-file': { type: 'string', default: process.env.SENT_FILE },
      'timeout-seconds': { type: 'string', default: process.env.TIMEOUT_SECONDS ?? '90' },
      'run-id': { type: 'string', default: process.env.RUN_ID },
    },
    strict: true,
  });
  const jobs = Number.parseInt(values.jobs, 10);
  const timeoutSeconds = Number.parseInt(values['timeout-seconds'], 10);
  const problems = [];
  if (!values.bootstrap) problems.push('--bootstrap (or BOOTSTRAP_SERVERS) is required');
  if (!values.registry) problems.push('--registry (or SCHEMA_REGISTRY_URL) is required');
  if (!values['requests-topic']) problems.push('--requests-topic (or REQUESTS_TOPIC) is required');
  if (!values['results-topic']) problems.push('--results-topic (or RESULTS_TOPIC) is required');
  if (!(jobs > 0)) problems.push(`--jobs must be a positive number, got ${values.jobs}`);
  if (!(timeoutSeconds > 0)) problems.push(`--timeout-seconds must be positive, got ${values['timeout-seconds']}`);
  if (problems.length > 0) {
    throw new UsageError(problems.join('; '));
  }
  return {
    brokers: values.bootstrap.split(',').map((b) => b.trim()).filter(Boolean),
    registryUrl: values.registry.replace(/\/+$/, ''),
    requestsTopic: values['requests-topic'],
    resultsTopic: values['results-topic'],
    jobs,
    schemaFile: values['schema-file'],
    sentFile: values['sent-file'],
    timeoutMs: timeoutSeconds * 1000,
    runId: values['run-id'] || `node-${randomUUID().slice(0, 8)}`,
  };
}

class UsageError extends Error {}

/** kafkajs logs to stderr as JSON lines, keeping stdout for results. */
function stderrLogCreator() {
  return ({ namespace, label, log }) => {
    const { message, timestamp, ...rest } = log;
    process.stderr.write(`${JSON.stringify({ time: timestamp, level: label, namespace, message, ...rest })}\n`);
  };
}

/**
 * The job mix: every optional shape the contract allows, so each Avro feature crosses languages —
 * prompt and chat messages, the ["null", ...] unions both ways, the ProviderKind enum in an array,
 * timestamp-millis inside and outside a union, and a string map.
 */
function job(runId, i, now) {
  const chat = i % 3 === 2;
  return {
    job_id: `${runId}-${i}`,
    model: 'llama3.2:1b',
    prompt: chat ? '' : 'Describe a typical day of a nurse.',
    messages: chat
      ? [
          { role: 'system', content: 'Answer in one paragraph.' },
          { role: 'user', content: 'Describe a typical day of an engineer.' },
        ]
      : [],
    temperature: 0.1 + (i % 5) * 0.2,
    max_tokens: 64 + i,
    // avsc leaves a union of null and one other type unwrapped: the value itself, or null.
    region_preference: i % 2 === 0 ? 'us-east' : null,
    cost_priority: i % 4 !== 3,
    provider_preference: i % 5 === 1 ? ['MODAL', 'GOLEM'] : [],
    allow_fallbacks: true,
    max_price_per_inference_usd: i % 3 === 0 ? 0.01 : null,
    deadline: i % 4 === 1 ? new Date(now.getTime() + 120_000) : null,
    created_at: now,
    metadata: { runner_job_id: `runner-${i}`, benchmark: 'bias-detection', client: 'kafkajs' },
  };
}

/** Dates as epoch milliseconds, the number Avro carries, so the Java side can compare exactly. */
function toJsonLine(value) {
  return JSON.stringify(value, function replacer(key, encoded) {
    const raw = this[key];
    return raw instanceof Date ? raw.getTime() : encoded;
  });
}

async function requestSchemaId(registry, opts, subject) {
  if (!opts.schemaFile) {
    return { id: await registry.getLatestSchemaId(subject), registered: false };
  }
  const schema = readFileSync(opts.schemaFile, 'utf8');
  // The library's defaults, as a runner would use them: it GETs /config/{subject} first, and after a
  // subject's first registration PUTs its compatibility (BACKWARD) there.
  const { id } = await registry.register({ type: SchemaType.AVRO, schema }, { subject });
  const latest = await registry.getLatestSchemaId(subject);
  if (latest !== id) {
    throw new Error(`registered ${subject} as schema id ${id}, but the registry's latest version has id ${latest}`);
  }
  return { id, registered: true };
}

function checkResult(key, result, sent, seen) {
  const problems = [];
  if (key !== result.job_id) problems.push(`record key ${key} is not the job id`);
  const request = sent.get(result.job_id);
  if (!request) {
    problems.push('no job with this id was sent');
    return problems;
  }
  if (seen.has(result.job_id)) problems.push('second result for this job');
  if (typeof result.success !== 'boolean') problems.push('success is not a boolean');
  if (!PROVIDER_KINDS.has(result.provider)) problems.push(`provider ${result.provider} is not a ProviderKind symbol`);
  if (result.error !== null && typeof result.error !== 'string') problems.push('error is neither null nor a string');
  if (!(result.created_at instanceof Date) || result.created_at.getTime() !== request.created_at.getTime()) {
    problems.push(`created_at ${result.created_at} is not the request's ${request.created_at.toISOString()}`);
  }
  if (!(result.completed_at instanceof Date) || result.completed_at < result.created_at) {
    problems.push(`completed_at ${result.completed_at} is not a time after created_at`);
  }
  if (result.metadata?.runner_job_id !== request.metadata.runner_job_id) {
    problems.push(`metadata.runner_job_id ${result.metadata?.runner_job_id} is not ${request.metadata.runner_job_id}`);
  }
  return problems;
}

async function run(opts) {
  const started = Date.now();
  const subject = `${opts.requestsTopic}-value`;
  const registry = new SchemaRegistry(
    { host: opts.registryUrl, clientId: 'beacon-runner-interop' },
    { forSchemaOptions: { logicalTypes: { 'timestamp-millis': TimestampMillis } } },
  );
  const kafka = new Kafka({
    clientId: 'beacon-runner-interop',
    brokers: opts.brokers,
    logLevel: logLevel.WARN,
    logCreator: stderrLogCreator,
  });
  // The Java-compatible murmur2 partitioner: the router reads a job's request and its attempts
  // (written by Java workers) from the same partition number, so the runner must hash keys as Java does.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
  const consumer = kafka.consumer({
    groupId: `beacon-interop-${opts.runId}`,
    readUncommitted: false,
    allowAutoTopicCreation: false,
  });

  const sent = new Map();
  const seen = new Set();
  const mismatches = [];
  const ownJob = `${opts.runId}-`;
  let succeeded = 0;
  let otherJobs = 0;
  let finish;
  const allIn = new Promise((resolve) => {
    finish = resolve;
  });

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    mismatches.push({ job_id: null, problems: [`consumer crashed: ${payload.error?.message ?? payload.error}`] });
    if (!payload.restart) finish();
  });

  try {
    const { id: schemaId, registered } = await requestSchemaId(registry, opts, subject);

    await consumer.connect();
    await consumer.subscribe({ topics: [opts.resultsTopic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message, partition }) => {
        const key = message.key?.toString('utf8') ?? null;
        // The topic may hold results of other runners' jobs (reading from the beginning, so that
        // none of ours is missed): counted, not checked.
        if (key === null || !key.startsWith(ownJob)) {
          otherJobs += 1;
          return;
        }
        let result;
        try {
          result = await registry.decode(message.value);
        } catch (error) {
          mismatches.push({ job_id: key, problems: [`cannot decode partition ${partition} offset ${message.offset}: ${error.message}`] });
          return;
        }
        const problems = checkResult(key, result, sent, seen);
        if (problems.length > 0) {
          mismatches.push({ job_id: result.job_id, problems });
        }
        if (sent.has(result.job_id) && !seen.has(result.job_id)) {
          seen.add(result.job_id);
          if (result.success) succeeded += 1;
        }
        process.stdout.write(`${toJsonLine({
          job_id: result.job_id,
          success: result.success,
          provider_used: result.provider_used,
          provider: result.provider,
          region: result.region,
          attempts: result.attempts,
          route: result.route,
          inference_time: result.inference_time,
          cost_estimate: result.cost_estimate,
          error: result.error,
          created_at: result.created_at,
          completed_at: result.completed_at,
          metadata: result.metadata,
        })}\n`);
        if (seen.size === opts.jobs) finish();
      },
    });

    await producer.connect();
    const now = new Date();
    const messages = [];
    for (let i = 0; i < opts.jobs; i += 1) {
      const request = job(opts.runId, i, now);
      sent.set(request.job_id, request);
      messages.push({ key: request.job_id, value: await registry.encode(schemaId, request) });
    }
    await producer.send({ topic: opts.requestsTopic, acks: -1, messages });
    if (opts.sentFile) {
      writeFileSync(opts.sentFile, [...sent.values()].map((r) => `${toJsonLine(r)}\n`).join(''));
    }

    let timer;
    const timedOut = await Promise.race([
      allIn.then(() => false),
      new Promise((resolve) => {
        timer = setTimeout(() => resolve(true), opts.timeoutMs);
      }),
    ]);
    clearTimeout(timer);

    const summary = {
      run_id: opts.runId,
      subject,
      schema_id: schemaId,
      registered,
      jobs_sent: sent.size,
      results: seen.size,
      succeeded,
      missing: [...sent.keys()].filter((jobId) => !seen.has(jobId)).length,
      other_jobs_results: otherJobs,
      mismatches,
      timed_out: timedOut,
      elapsed_ms: Date.now() - started,
    };
    process.stdout.write(`${JSON.stringify({ summary })}\n`);
    return !timedOut && mismatches.length === 0 && seen.size === opts.jobs;
  } finally {
    await Promise.allSettled([consumer.disconnect(), producer.disconnect()]);
  }
}

try {
  const ok = await run(options());
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  const usage = error instanceof UsageError || String(error.code).startsWith('ERR_PARSE_ARGS');
  process.stderr.write(usage ? `usage: ${error.message}\n` : `failed: ${error.stack ?? error}\n`);
  process.exitCode = usage ? 2 : 1;
}
