/**
 * L1 bindings for the Kubernetes 1.27 API.
 *
 * `cdk8s import k8s@1.27` needs the internet, and cdk8s-plus-27 already ships the very same generated
 * classes, so this module re-exports them instead of committing a second 25,000-line copy. CRD bindings
 * generated from CRD files kept in this folder (if any) sit beside it.
 */
export { k8s } from 'cdk8s-plus-27';
