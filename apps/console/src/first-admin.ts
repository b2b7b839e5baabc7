import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { PASSWORD_RULE, generatePassword, passwordProblem, type People } from '@app/people';
import { ConfigError, type Config, type Logger } from '@app/platform';

export const FIRST_ADMIN_USERNAME = 'admin';

/**
 * The first admin account (contract §7), created when no account `admin` exists: its password
 * is CONSOLE_ADMIN_PASSWORD, or one generated once and kept in CONSOLE_ADMIN_PASSWORD_FILE
 * (readable by its owner only). The password is never logged: the file's path is.
 */
export async function ensureFirstAdmin(people: People, config: Config, logger: Logger): Promise<void> {
  const file = resolve(config.consoleAdminPasswordFile);
  let password = config.consoleAdminPassword;
  if (password === null) {
    if (!existsSync(file)) {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${generatePassword(FIRST_ADMIN_USERNAME)}\n`, { mode: 0o600, flag: 'wx' });
    }
    password = readFileSync(file, 'utf8').trim();
  }
  // The start stops, naming where the password came from: the rule holds for the first admin too.
  const problem = passwordProblem(password, FIRST_ADMIN_USERNAME);
  if (problem)
    throw new ConfigError(`${config.consoleAdminPassword === null ? file : 'CONSOLE_ADMIN_PASSWORD'}: ${problem} (${PASSWORD_RULE})`);
  const created = await people.create(
    { username: FIRST_ADMIN_USERNAME, displayName: '系统管理员', role: 'admin', password },
    { personId: null, address: 'startup' },
  );
  if (created)
    logger.info({ username: FIRST_ADMIN_USERNAME, passwordFile: config.consoleAdminPassword ? null : file }, 'first console admin created');
}
