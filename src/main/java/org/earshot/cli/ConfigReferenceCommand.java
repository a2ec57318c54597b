package org.earshot.cli;

import java.util.concurrent.Callable;

import org.earshot.config.ServeConfig;
import picocli.CommandLine.Command;

/**
 * {@code earshot config-reference}: prints the table of configuration keys (default, environment variable, what it
 * does) from the code's one list of keys; {@code docs/CONFIGURATION.md} holds exactly this table, which a test checks.
 */
@Command(name = "config-reference", mixinStandardHelpOptions = true,
        description = "Print the configuration key table (Markdown) that docs/CONFIGURATION.md holds.")
final class ConfigReferenceCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        System.out.print(ServeConfig.referenceTable());
        return 0;
    }
}
