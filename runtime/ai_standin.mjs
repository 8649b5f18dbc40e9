// Workers AI has no local runtime (wrangler dev sends it to Cloudflare, which needs an account and
// costs money). Locally an `ai` binding is this stand-in instead, and says so: deterministic answers
// in the shape of the model's task, never a model's judgement, and a failure on demand (an input that
// contains TOVA_AI_FAIL throws) so retries and dead letters can be exercised.
//
// It is a Miniflare wrapped binding: the module's default export receives its inner bindings and
// returns the object the user's worker sees as `env.AI`.

export const AI_STANDIN_NAME = "__tova_ai_standin";
export const AI_FAIL_MARKER = "TOVA_AI_FAIL";

export const AI_STANDIN_SCRIPT = `
const FAIL = ${JSON.stringify(AI_FAIL_MARKER)};
const GOOD = ["good", "great", "love", "excellent", "happy", "fast", "works", "thanks", "nice", "best"];
const BAD = ["bad", "terrible", "hate", "awful", "slow", "broken", "fails", "worst", "angry", "bug"];

function hash(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function textOf(inputs) {
  if (typeof inputs === "string") return inputs;
  if (inputs && typeof inputs.text === "string") return inputs.text;
  if (inputs && Array.isArray(inputs.text)) return inputs.text.join(" ");
  if (inputs && typeof inputs.prompt === "string") return inputs.prompt;
  if (inputs && Array.isArray(inputs.messages)) return inputs.messages.map((m) => m && m.content).join(" ");
  return JSON.stringify(inputs ?? null);
}

function sentiment(text) {
  const words = text.toLowerCase().match(/[a-z]+/g) || [];
  const score = words.reduce((n, w) => n + (GOOD.includes(w) ? 1 : BAD.includes(w) ? -1 : 0), 0);
  const positive = Math.round((1 / (1 + Math.exp(-score))) * 10000) / 10000;
  return [{ label: "NEGATIVE", score: Math.round((1 - positive) * 10000) / 10000 }, { label: "POSITIVE", score: positive }]
    .sort((a, b) => b.score - a.score);
}

function answer(model, inputs) {
  const name = String(model);
  const text = textOf(inputs);
  if (/distilbert|sst-2|sentiment|classif/i.test(name)) return sentiment(text);
  if (/resnet|image-class|vit/i.test(name)) return [{ label: "STAND-IN IMAGE", score: 1 }];
  if (/bge|embed/i.test(name)) {
    const h = hash(text);
    return { shape: [1, 8], data: [Array.from({ length: 8 }, (_, i) => ((h >>> i) & 255) / 255)] };
  }
  return { response: "[tova stand-in, not a model] " + text.slice(0, 120) };
}

export default function (env) {
  return {
    async run(model, inputs, options) {
      const text = JSON.stringify(inputs ?? null);
      const failing = text.includes(FAIL);
      await env.RUNNER.fetch("http://runner/ai", { method: "POST", body: JSON.stringify({ model: String(model), failing }) });
      if (failing) throw new Error("Workers AI stand-in: failing as asked (the input contains " + FAIL + ")");
      return answer(model, inputs);
    },
  };
}
`;

export function aiStandinWorker(onCall) {
  return {
    name: AI_STANDIN_NAME,
    modules: true,
    script: AI_STANDIN_SCRIPT,
    serviceBindings: {
      RUNNER: async (request) => {
        onCall(JSON.parse(await request.text()));
        return new Response(null, { status: 204 });
      },
    },
  };
}
