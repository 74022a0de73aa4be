// The writ extension: starts `writ lsp` over stdio and hands `.writ` files to it.
//
// Everything else (highlighting, brackets, comments, snippets) is declarative,
// in package.json, syntaxes/, snippets/ and language-configuration.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import {
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

const INSTALL_HINT =
  'Install it from the writ repository with `cargo install --path .` (puts `writ` in ~/.cargo/bin), ' +
  'or set `writ.server.path` to the full path of a `writ` binary.';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel('writ');
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand('writ.restartServer', () => restart()),
    vscode.commands.registerCommand('writ.showOutput', () => output.show(true)),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('writ.server') || e.affectsConfiguration('writ.graph')) {
        void restart();
      }
    }),
  );
  await start();
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function restart(): Promise<void> {
  await stop();
  await start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    try {
      await running.stop();
    } catch (err) {
      output.appendLine(`writ: error while stopping the server: ${String(err)}`);
    }
  }
}

async function start(): Promise<void> {
  const config = vscode.workspace.getConfiguration('writ');
  const configured = config.get<string>('server.path', 'writ').trim() || 'writ';
  const extraArgs = config.get<string[]>('server.extraArgs', []);
  const command = resolveServerPath(configured);

  if (!command) {
    output.appendLine(`writ: server binary not found: '${configured}'. ${INSTALL_HINT}`);
    const openSettings = 'Open Settings';
    const choice = await vscode.window.showErrorMessage(
      `writ: the language server binary '${configured}' was not found. ${INSTALL_HINT}`,
      openSettings,
      'Retry',
    );
    if (choice === openSettings) {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'writ.server.path');
    } else if (choice === 'Retry') {
      await start();
    }
    return;
  }

  const args = ['lsp', ...extraArgs];
  const serverOptions: ServerOptions = {
    run: { command, args, transport: TransportKind.stdio },
    debug: { command, args, transport: TransportKind.stdio },
  };
  const graph = config.get<string>('graph', '').trim();
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'writ' },
      { scheme: 'untitled', language: 'writ' },
    ],
    initializationOptions: { graph: graph ? resolveAgainstWorkspace(expandPath(graph)) : null },
    synchronize: {
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.writ'),
    },
    outputChannel: output,
    revealOutputChannelOn: RevealOutputChannelOn.Never,
  };

  output.appendLine(`writ: starting ${command} ${args.join(' ')}`);
  // The id `writ` makes the client read `writ.trace.server` by itself.
  const next = new LanguageClient('writ', 'writ language server', serverOptions, clientOptions);
  try {
    await next.start();
    client = next;
  } catch (err) {
    output.appendLine(`writ: the server failed to start: ${String(err)}`);
    const show = 'Show Output';
    const choice = await vscode.window.showErrorMessage(
      `writ: \`${command} lsp\` failed to start (${String(err)}). ` +
        'Is this writ build new enough to have the `lsp` command? ' + INSTALL_HINT,
      show,
    );
    if (choice === show) {
      output.show(true);
    }
  }
}

/** `~` and `${workspaceFolder}` expanded. */
function expandPath(p: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? '';
  let out = p.replace(/\$\{workspaceFolder\}/g, folder);
  if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
    out = path.join(os.homedir(), out.slice(1));
  }
  return out;
}

/** A relative path resolved against the first workspace folder (if any). */
function resolveAgainstWorkspace(p: string): string {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  return path.isAbsolute(p) || !folder ? p : path.resolve(folder, p);
}

/**
 * The executable to run for `configured`, or undefined when there is none:
 * a bare name is looked up on PATH, anything with a separator is a path.
 */
export function resolveServerPath(configured: string): string | undefined {
  const expanded = expandPath(configured);
  const hasSeparator = expanded.includes('/') || expanded.includes('\\');
  if (hasSeparator || path.isAbsolute(expanded)) {
    const full = resolveAgainstWorkspace(expanded);
    return candidates(full).find(isExecutable);
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  for (const dir of dirs) {
    const hit = candidates(path.join(dir, expanded)).find(isExecutable);
    if (hit) {
      return hit;
    }
  }
  return undefined;
}

function candidates(file: string): string[] {
  if (process.platform !== 'win32' || path.extname(file)) {
    return [file];
  }
  const exts = (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';').filter(Boolean);
  return [file, ...exts.map((e) => file + e.toLowerCase())];
}

function isExecutable(file: string): boolean {
  try {
    const st = fs.statSync(file);
    if (!st.isFile()) {
      return false;
    }
    if (process.platform === 'win32') {
      return true;
    }
    fs.accessSync(file, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
