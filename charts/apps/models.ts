/** The models the model server loads, per mode (seed 000: model names in a ConfigMap; spec 002: Deepseek R1). */
export const MODELS = { gpu: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B', cpu: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B' } as const;

/**
 * Where each build of the model-server image holds its weights, and how big they are. The weights are baked
 * into the image (spec 002 §4.1.1): an air-gapped site mirrors the image into its registry and needs no model
 * download, no Hugging Face cache and no volume to prepare. The server loads the directory MODEL_PATH and serves
 * it under MODEL_NAME (what the agents ask for).
 *
 * Sizes: the 32B distill has 32.8 B parameters, 65.5 GB in bf16, which needs an 80 GB GPU and leaves almost no KV
 * cache. The GPU build therefore ships the AWQ 4-bit quantization (about 19 GB of weights, as published for
 * Qwen2.5-32B AWQ builds), which fits one 48 GB GPU (L40S, A40, RTX A6000) with room for the KV cache. The CPU
 * build ships the 1.5B distill in bf16 (1.78 B parameters, 3.6 GB).
 */
export interface ModelBuild {
  /** The name the server serves the model under (MODEL_NAME). */
  readonly served: string;
  /** Directory of the weights inside the image (config.json, tokenizer, *.safetensors). */
  readonly path: string;
  /** `awq` (4-bit) or `none`. */
  readonly quantization: 'awq' | 'none';
  /** Size of the weights, in GiB (rounded up). */
  readonly weightsGi: number;
}

export const MODEL_BUILDS: Record<'gpu' | 'cpu', ModelBuild> = {
  gpu: { served: MODELS.gpu, path: '/models/DeepSeek-R1-Distill-Qwen-32B-AWQ', quantization: 'awq', weightsGi: 19 },
  cpu: { served: MODELS.cpu, path: '/models/DeepSeek-R1-Distill-Qwen-1.5B', quantization: 'none', weightsGi: 4 },
};

/** Share of each GPU's memory the server may take (weights, activations and KV cache; vLLM's default). */
export const GPU_MEMORY_UTILIZATION = 0.9;
/** GPU memory kept for the KV cache and activations beyond the weights: about 16 concurrent 8k-token requests. */
export const KV_CACHE_GI = 8;
