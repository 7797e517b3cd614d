// Catches render errors so a bug in one page shows a message instead of a blank screen.
import { Component, type ReactNode } from "react";
import { describeError } from "../api/problem";

interface Props {
  children: ReactNode;
}

interface State {
  error: unknown;
}

export class ErrorBoundary extends Component<Props, State> {
  state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error };
  }

  render(): ReactNode {
    if (this.state.error === null) return this.props.children;
    return (
      <section className="panel error-panel" role="alert">
        <h2>Something went wrong on this page</h2>
        <p>{describeError(this.state.error)}</p>
        <button type="button" onClick={() => this.setState({ error: null })}>
          Try again
        </button>
      </section>
    );
  }
}
