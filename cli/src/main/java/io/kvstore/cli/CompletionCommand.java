package io.kvstore.cli;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code kvctl completion bash|zsh}: a completion script from picocli's generator. The script is bash; zsh runs it
 * through {@code bashcompinit}, which the zsh variant turns on first (picocli's scripts are written for that).
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
        String script = AutoComplete.bash("kvctl", spec.parent().commandLine());
        if (shell == Shell.zsh) {
            root.out.println("autoload -U +X compinit && compinit");
            root.out.println("autoload -U +X bashcompinit && bashcompinit");
        }
        root.out.print(script);
        return ExitCodes.OK;
    }
}
