/**
 * The `mailcase` command. Each subcommand builds the runtime it needs and nothing more; the commands live in
 * commands-*.ts by purpose.
 */
import { Command } from "commander";
import { registerAdminCommands } from "./commands-admin.ts";
import { registerCaseActions } from "./commands-case-act.ts";
import { registerImportExport } from "./commands-import.ts";
import { registerKbCommands } from "./commands-kb.ts";
import { registerReadCommands } from "./commands-read.ts";
import { registerTokenCommands } from "./commands-token.ts";
import { registerWebhookCommands } from "./commands-webhook.ts";

const program = new Command("mailcase").description("Email-driven helpdesk worker").showHelpAfterError();
// A command's options are read before its subcommand only: `case --as` (view) and `case post --as` (act)
// are different options of different commands.
program.enablePositionalOptions();
registerAdminCommands(program);
registerCaseActions(registerReadCommands(program));
registerImportExport(program);
registerTokenCommands(program);
registerWebhookCommands(program);
registerKbCommands(program);

program.parseAsync(process.argv).catch((err: Error) => {
  console.error(`mailcase: ${err.message}`);
  process.exit(1);
});
