import { describe, expect, it } from '@jest/globals';
import { Command } from 'commander';
import { COMMAND_NAMES, registerCommands } from '../../../cli/commands/index.ts';

/**
 * The CLI loads only the module of the command it runs, found by the names cli/commands/index.ts
 * lists for it: a name missing there would make its command unreachable, an extra one would load
 * the wrong module. Each module, registered alone, must register exactly the names listed for it.
 */
describe('the command index', () => {
  const registered = (program: Command) => program.commands.map((c) => c.name());

  it('registers, for each command word, exactly the module that defines it', async () => {
    for (const name of COMMAND_NAMES) {
      const program = new Command('pushline');
      await registerCommands(program, () => {}, ['node', 'pushline', name]);

      expect(registered(program)).toContain(name);
      for (const other of registered(program)) expect(COMMAND_NAMES).toContain(other);
    }
  });

  it('registers every command, in the listed order, when the first word names none (help, a typo)', async () => {
    for (const argv of [
      ['node', 'pushline'],
      ['node', 'pushline', '--help'],
      ['node', 'pushline', 'valdate'],
    ]) {
      const program = new Command('pushline');
      await registerCommands(program, () => {}, argv);

      expect(registered(program)).toEqual(COMMAND_NAMES);
    }
  });
});
