/** Spec 000 §3.2: the Weaviate classes, each of OpenAI text-embedding-ada-002 vectors (1536 dimensions). */
export const EMBEDDING_MODEL = 'text-embedding-ada-002';
export const EMBEDDING_DIMENSIONS = 1536;

export const SPEC_000_CLASSES = [
  { name: 'NormalizedSKU', description: 'Normalised SKUs: one product across suppliers\' and POS spellings.', embeddingModel: EMBEDDING_MODEL, vectorDimensions: EMBEDDING_DIMENSIONS },
  { name: 'SupplierCatalog', description: 'Supplier catalogue entries: items, pack sizes and prices as each supplier lists them.', embeddingModel: EMBEDDING_MODEL, vectorDimensions: EMBEDDING_DIMENSIONS },
  { name: 'Policies', description: 'Purchasing and compliance policies the agents check decisions against.', embeddingModel: EMBEDDING_MODEL, vectorDimensions: EMBEDDING_DIMENSIONS },
];
