// PLACEHOLDER (library packaging): the harness library entry (`import … from 'kfmd'`) is being
// written by another engineer; this file only exists so the build and the exports map have a target.
export {};
