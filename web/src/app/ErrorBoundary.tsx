import { Component, type ReactNode } from 'react';
import i18n from '../i18n/index.ts';

/** Shows a message instead of a blank page when a screen fails to render; the rest of the app stays usable. */
export class ErrorBoundary extends Component<{ children: ReactNode; resetKey: string }, { failed: boolean }> {
  override state = { failed: false };

  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }

  override componentDidUpdate(prev: { resetKey: string }): void {
    if (prev.resetKey !== this.props.resetKey && this.state.failed) this.setState({ failed: false });
  }

  override render(): ReactNode {
    if (this.state.failed)
      return (
        <p role="alert" className="error">
          {i18n.t('errors.other')}
        </p>
      );
    return this.props.children;
  }
}
