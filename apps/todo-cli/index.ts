// `node apps/todo-cli --op getToDos` (seed 003's `node . --op getToDos`) runs the CLI.
import './src/cli.ts';
