<?php
// Router for PHP's built-in server: WordPress's own wp-config.php (Debian's) picks a config file in
// /etc/wordpress by host; defining ABSPATH as this folder makes wp-load.php use the wp-config.php
// beside this router instead, so the test site needs nothing outside its own folder.
define('ABSPATH', __DIR__ . '/');
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
$file = realpath(__DIR__ . $path);
if ($path !== '/' && $file !== false && is_file(__DIR__ . $path)) {
    if (substr($path, -4) === '.php') {
        require __DIR__ . $path;
        return true;
    }
    return false;
}
require __DIR__ . '/index.php';
