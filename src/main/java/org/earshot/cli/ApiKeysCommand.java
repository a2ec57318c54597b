package org.earshot.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.earshot.config.ApiKeyRegistry;
import org.earshot.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code earshot api-keys add|list}: manage the keys that may query the API. {@code add} prints the new key once, on
 * standard output and nowhere else (the file keeps only its SHA-256), so it can be piped into a secret store;
 * {@code list} shows names and roles, never keys or hashes.
 */
@Command(name = "api-keys", mixinStandardHelpOptions = true, description = "Add or list the API's keys.",
        subcommands = {ApiKeysCommand.Add.class, ApiKeysCommand.ListKeys.class})
final class ApiKeysCommand implements Runnable {
    static final String DEFAULT_FILE = "data/" + ApiKeyRegistry.FILE_NAME;

    @Override
    public void run() {
        throw new BadInputException("choose a subcommand: add or list (see earshot api-keys --help)");
    }

    @Command(name = "add", mixinStandardHelpOptions = true,
            description = "Add a key with a role; print the key once on standard output.")
    static final class Add implements Callable<Integer> {
        @Option(names = "--file", description = "API keys file (default: ${DEFAULT-VALUE})")
        Path file = Path.of(DEFAULT_FILE);

        @Option(names = "--name", required = true, description = "Who holds the key (recorded with each request)")
        String name;

        @Option(names = "--role", required = true, description = "operator, auditor or admin")
        String role;

        @Override
        public Integer call() {
            String key;
            try {
                key = ApiKeyRegistry.add(file, name, role);
            } catch (ConfigException | IllegalArgumentException e) {
                throw new BadInputException(e.getMessage(), e);
            }
            System.err.printf(Locale.ROOT, "earshot: added key %s (%s) to %s. The key follows on standard output;"
                    + " it is shown only this once and cannot be recovered: store it now.%n", name, role, file);
            System.out.println(key);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the keys (names and roles only).")
    static final class ListKeys implements Callable<Integer> {
        @Option(names = "--file", description = "API keys file (default: ${DEFAULT-VALUE})")
        Path file = Path.of(DEFAULT_FILE);

        @Override
        public Integer call() {
            try {
                for (ApiKeyRegistry.ApiKey k : ApiKeyRegistry.load(Paths.requireFile(file, "API keys file")).keys()) {
                    System.out.printf(Locale.ROOT, "%s\t%s%n", k.name(), k.role());
                }
                return 0;
            } catch (ConfigException e) {
                throw new BadInputException(e.getMessage(), e);
            }
        }
    }
}
