import { MemoryRunStore } from '../../../../shared/local/memory-run-store.ts';
import { describeRunStoreContract } from '../../../contract/run-store.contract.ts';

describeRunStoreContract('MemoryRunStore', (clock) => new MemoryRunStore({ clock }));
