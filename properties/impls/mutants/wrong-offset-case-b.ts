import { x86MdOffsets } from '../../../impl/arch/x86-offsets.ts';
import { mutant, withHooks } from './define.ts';

/**
 * Case B's macros off by one (6/5 instead of 5/4): the mov straddles the last NOP before the
 * md window. Only case B is wrong, so only x86-B-kcfi can show it.
 */
export const wrongOffsetCaseB = mutant(
  'wrong-offset-caseB',
  'x86 case B (kCFI, no thunks, no FineIBT) uses INSN/DATA offsets 6/5 instead of 5/4; other cases untouched',
  withHooks((hooks, kernel) => {
    const o = kernel.options;
    if (o.arch !== 'x86' || x86MdOffsets(o).kase !== 'B') return hooks;
    return { ...hooks, insnOffset: 6, dataOffset: 5 };
  }),
);
