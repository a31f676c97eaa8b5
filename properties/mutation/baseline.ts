/** v4's verdicts (seed 42, 30 runs) on the configurations the mutation run uses; regenerate if the suites change. */
export const BASELINE: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "x86-A16": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "holds",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "holds"
  },
  "x86-A16-thunks": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "holds",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "D6"
  },
  "x86-B-kcfi": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "holds",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "D6"
  },
  "x86-C-kcfi-kconfig-thunks": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "D3",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10",
    "stale-md": "D6"
  },
  "x86-C-fineibt-kconfig": {
    "contract": "D12",
    "alloc-failure": "D12",
    "foreign-bytes": "D12",
    "forged-insn": "D12",
    "unpadded": "D12",
    "put-under-lock": "D12",
    "lock-misuse": "D12",
    "stale-md": "D12"
  },
  "x86-C-fineibt-intent": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "D3",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "D6"
  },
  "arm64-md-1,1": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "D8b",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "D6"
  },
  "arm64-args8-4,2-bti": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "D8b",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "D6"
  },
  "arm64-callops-6,4": {
    "contract": "holds",
    "alloc-failure": "holds",
    "foreign-bytes": "D8b",
    "forged-insn": "D8b",
    "unpadded": "D8",
    "put-under-lock": "D10",
    "lock-misuse": "D10u",
    "stale-md": "D6"
  }
};
