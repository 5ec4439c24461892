/**
 * Spec 000 §4.1's two ConfigMaps of the agents: the LLM model names (GPT-4, Claude) and the tool definitions (the
 * agents' capabilities), mounted read-only at AGENT_CONFIG_DIR. Changing either rolls the agents (the pod
 * template's config checksum covers them).
 */
import type { ConfigFiles } from '../catalog';
import { EMBEDDING_DIMENSIONS, EMBEDDING_MODEL } from './weaviate';

export const AGENT_CONFIG_DIR = '/etc/fnb/agents';

/** Providers' model identifiers, pinned to dated versions (an alias would move under the agents). */
export const MODELS = {
  primary: { provider: 'openai', model: 'gpt-4-0613' },
  secondary: { provider: 'anthropic', model: 'claude-3-5-sonnet-20241022' },
  embeddings: { provider: 'openai', model: EMBEDDING_MODEL, dimensions: EMBEDDING_DIMENSIONS },
} as const;

/** The tools an agent may call (JSON Schema parameters, the shape both providers' tool-calling APIs take). */
export const TOOLS = [
  {
    name: 'search_normalized_skus', description: 'Find normalised SKUs similar to a product description (Weaviate class NormalizedSKU).',
    parameters: { type: 'object', properties: { query: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 50 } }, required: ['query'] },
  },
  {
    name: 'search_supplier_catalog', description: 'Find supplier catalogue entries for a SKU or description (Weaviate class SupplierCatalog).',
    parameters: { type: 'object', properties: { query: { type: 'string' }, supplierId: { type: 'string' } }, required: ['query'] },
  },
  {
    name: 'check_policy', description: 'Retrieve the purchasing and compliance policies that apply to a decision (Weaviate class Policies).',
    parameters: { type: 'object', properties: { decision: { type: 'string' } }, required: ['decision'] },
  },
  {
    name: 'read_document', description: 'Read an uploaded invoice, delivery note or menu from the documents bucket.',
    parameters: { type: 'object', properties: { key: { type: 'string' } }, required: ['key'] },
  },
] as const;

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

export const AGENT_CONFIG_FILES: readonly ConfigFiles[] = [
  { name: 'models', mountPath: `${AGENT_CONFIG_DIR}/models`, files: { 'models.json': json(MODELS) } },
  { name: 'tools', mountPath: `${AGENT_CONFIG_DIR}/tools`, files: { 'tools.json': json(TOOLS) } },
];
