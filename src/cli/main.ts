#!/usr/bin/env node
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { ERROR_CODES } from '../errors.js';
import { APIM_SKUS, PLATFORM_VERSIONS } from '../model/apim-names.js';
import { EXIT_COULD_NOT_CHECK } from './exit-codes.js';
import { oneOf, usageLine } from './option-values.js';
import { VERSION } from '../version.js';
import { runCheck } from './check.js';
import { runProbe } from './probe.js';
import { runServe } from './serve.js';
import { runSimulate } from './simulate.js';
import { runWhatif } from './whatif.js';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new InvalidArgumentError('expected a TCP port number (0-65535)');
  return parsed;
}

function nonNegative(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
  return parsed;
}

function positive(value: string): number {
  const parsed = nonNegative(value);
  if (parsed < 1) throw new InvalidArgumentError('expected a whole number, 1 or more');
  return parsed;
}

const program = new Command()
  .name('apim-netwatch')
  .description('Watches the network health of Azure API Management instances in virtual networks')
  .version(VERSION)
  // Exit 1 means "blocked / paging" to scripts: a usage error (commander's own exit 1) is 2, like any "could not check".
  .exitOverride((err) => {
    throw err;
  })
  // Every usage error (a value not accepted, an unknown option) is one line with its code, as other errors are.
  .configureOutput({ outputError: (message, write) => write(usageLine(message, ERROR_CODES.USAGE)) })
  .option('--debug', 'print stack traces of internal errors (also APIM_NETWATCH_LOG_LEVEL=debug)');

program
  .command('serve')
  .description('poll the fleet on a schedule and serve /metrics, /api/v1/status and the status page')
  .option('-c, --config <file>', 'YAML config file (see config.example.yaml)')
  .option('--demo', 'watch the built-in demo fleet served by the embedded ARM simulator (simulated data)')
  .option('-p, --port <port>', 'HTTP port (default: server.port, 9464)', port)
  .option('--web.config.file <file>', 'web config (TLS, basic auth, bearer tokens) as for Prometheus exporters (default: server.webConfigFile)')
  .option('--shard-index <n>', "this replica's shard, from 0 (default: sharding.index)", nonNegative)
  .option('--shard-count <n>', 'how many replicas share the fleet (default: sharding.count)', positive)
  .action(async (options: { config?: string; demo?: boolean; port?: number; 'web.config.file'?: string; shardIndex?: number; shardCount?: number }) => {
    const { 'web.config.file': webConfigFile, ...rest } = options;
    process.exitCode = await runServe({ ...rest, ...(webConfigFile ? { webConfigFile } : {}) });
  });

program
  .command('check')
  .description('poll once and print an instance x region x dependency table; exit 0 healthy, 1 paging dependency down, 2 could not check')
  .option('-c, --config <file>', 'YAML config file (see config.example.yaml)')
  .option('--demo', 'check the built-in demo fleet (simulated data)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .action(async (options: { config?: string; demo?: boolean; output: 'table' | 'json' }) => {
    process.exitCode = await runCheck(options);
  });

program
  .command('probe')
  .description("ask the instance's gateway to connect to an address and port (APIM's connectivity check); exit 0 connected, 1 not connected, 2 could not check")
  .requiredOption('--instance <id>', 'the APIM instance (ARM resource ID)')
  .option('--region <region>', "the gateway region to check from (default: the instance's primary region)")
  .requiredOption('--address <address>', 'host name, IP address or URL to connect to')
  .requiredOption('--port <port>', 'port to connect to', port)
  .addOption(new Option('--protocol <protocol>', 'protocol of the check').choices(['tcp', 'http', 'https']).argParser(oneOf(['tcp', 'http', 'https'])))
  .option('-c, --config <file>', 'YAML config file (see config.example.yaml)')
  .option('--demo', 'check against the built-in demo fleet (simulated data)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .action(async (options: { instance: string; region?: string; address: string; port: number; protocol?: 'tcp' | 'http' | 'https'; config?: string; demo?: boolean; output: 'table' | 'json' }) => {
    process.exitCode = await runProbe(options);
  });

program
  .command('whatif')
  .description("check a proposed NSG (and route table) against APIM's required flows; exit 1 if it blocks one, naming the rule")
  .requiredOption('--nsg <file>', 'NSG JSON: `az network nsg show` (or list) output, an ARM GET body, an ARM template (nested deployments, compiled Bicep included) or `terraform show -json` of a plan')
  .option('--nsg-name <name>', "judge only this NSG of a file that holds several: its name as a template's parameters make it, or as written (default: each of them)")
  .option('--route-table <file>', 'route table JSON, in the same shapes (default: the route table in the NSG file, if it holds one)')
  .option('--route-table-name <name>', 'judge with this route table of a file that holds several')
  .option(
    '--parameters <values...>',
    "an ARM template's parameters, as `az deployment group create` takes them: NAME=VALUE, a deployment parameters file (FILE or @FILE) or a JSON object; repeatable, later ones win (default: each parameter's defaultValue)",
  )
  .addOption(new Option('--vnet-type <mode>', 'VNet mode of the APIM instance').choices(['internal', 'external']).default('external'))
  // choices() shows the accepted values in --help; the parser after it accepts them in any letter case.
  .addOption(new Option('--platform <version>', 'APIM compute platform, as ARM writes properties.platformVersion').choices(PLATFORM_VERSIONS).argParser(oneOf(PLATFORM_VERSIONS)).default('stv2'))
  .addOption(
    new Option('--sku <name>', "the instance's SKU: a v2 tier (BasicV2, StandardV2, PremiumV2) is judged against the v2 requirements, not the classic table (default: a classic multi-unit SKU)")
      .choices(APIM_SKUS)
      .argParser(oneOf(APIM_SKUS)),
  )
  .option('--location <region>', "the subnet's region (default: the NSG's own location)")
  .option('--primary-location <region>', "the instance's primary region, for a secondary region's NSG (default: the same region)")
  .option('--vnet-address-space <cidrs>', 'comma-separated VNet address space (what VirtualNetwork means)', (v) => v.split(',').map((s) => s.trim()).filter(Boolean))
  .option('--admin-rules <file>', "the VNet's Azure Virtual Network Manager security admin rules, judged before the NSG: the body of ListNetworkManagerEffectiveSecurityAdminRules (e.g. `az rest --method post` on the VNet's listNetworkManagerEffectiveSecurityAdminRules)")
  .option('--service-tags <file>', 'service tags JSON: a newer ServiceTags_Public_YYYYMMDD.json download or a serviceTags.list body (default: the bundled snapshot of 2026-06-26)')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
  .action(async (options) => {
    process.exitCode = await runWhatif(options);
  });

program
  .command('simulate')
  .description('run the ARM simulator alone, serving a world file (or the demo fleet) over HTTPS on 127.0.0.1')
  .option('-w, --world <file>', 'world file (JSON, format in docs/design.md, "Simulator world file")')
  .option('--demo', 'serve the built-in demo fleet')
  .option('-p, --port <port>', 'port (0 = any free port)', port, 0)
  .option('--host <host>', 'address to listen on', '127.0.0.1')
  .option('--cert-out <file>', "write the simulator's certificate (PEM) here, for azure.caCertFile")
  .option('--cert-dir <dir>', 'reuse (or create) cert.pem and key.pem in this directory')
  .option('--page-size <n>', 'items per list page', (v) => port(v), 100)
  .action(async (options: { world?: string; demo?: boolean; port: number; host: string; certOut?: string; certDir?: string; pageSize: number }) => {
    process.exitCode = await runSimulate(options);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) {
    // commander has printed its message (or the help / version) already.
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_COULD_NOT_CHECK;
    return;
  }
  process.stderr.write(`apim-netwatch: ${(err as Error).message}\n`);
  process.exitCode = EXIT_COULD_NOT_CHECK;
});
