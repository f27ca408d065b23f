"""What the app's own pages (the dashboard, the workbench) share."""
