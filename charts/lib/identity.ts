/** Who a set of pods is: the stable identity that selectors match on. */
export interface Identity {
  /** The application, e.g. `postgres`, `invoice-service`. */
  readonly name: string;
  /** The component within it, e.g. `database`, `pooler`, `api`. */
  readonly component: string;
  /** @default the name */
  readonly instance?: string;
}
