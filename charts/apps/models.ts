/** The models the model server loads, per mode (seed 000: model names in a ConfigMap; spec 002: Deepseek R1). */
export const MODELS = { gpu: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-32B', cpu: 'deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B' } as const;
