import './base.css';
import './workspace.css';
import './publish.css';
import './call-detail.css';
import './jobs.css';
import './audit.css';
