package io.kvstore.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl completion bash|zsh}: a completion script from picocli's generator. The script is bash; under zsh it
 * enables {@code bashcompinit} itself (picocli writes it for both shells), so both words print the same script.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Prints a shell completion script for kvctl's commands and options.",
        footerHeading = "%nExamples:%n",
        footer = {
            "  source <(kvctl completion bash)                       # this shell",
            "  kvctl completion bash > /etc/bash_completion.d/kvctl  # every new shell",
            "  source <(kvctl completion zsh)                        # zsh (uses bashcompinit)"})
final class CompletionCommand implements Callable<Integer> {
    enum Shell { bash, zsh }

    @ParentCommand
    Kvctl root;
    @Spec
    CommandLine.Model.CommandSpec spec;
    @Parameters(index = "0", paramLabel = "bash|zsh", description = "The shell.")
    Shell shell;

    @Override
    public Integer call() {
        // One script for both: it checks $ZSH_VERSION itself and then loads bashcompinit (only initializing
        // compinit when it is not loaded yet, so existing zsh completions stay registered).
        root.out.print(AutoComplete.bash("kvctl", spec.parent().commandLine()));
        return ExitCodes.OK;
    }
}
